import http from 'node:http';
import { httpListener, type Respond, type WireResponse } from './emulator/server.ts';

/**
 * A fixed loopback address for the whole process. The SDK clients in the handler modules resolve
 * `AWS_ENDPOINT_URL` once, when the module is first imported, so every sandbox run in one process must be
 * reachable at the same address: this front hands each request to the emulator of the run in progress.
 * The handler modules' clients do not even open a socket to it (see `deliverInProcess`); the address stays
 * what they are configured with, and what anything else in the process may call over HTTP.
 */
let target: Respond | undefined;
let front: Promise<string> | undefined;
let server: http.Server | undefined;
let address: { hostname: string; port: number } | undefined;

const NO_RUN: WireResponse = {
  status: 503,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ServiceUnavailable' },
  body: '{"__type":"ServiceUnavailable","message":"no sandbox run in progress"}',
};

const answer: Respond = (request) => (target ? target(request) : Promise.resolve(NO_RUN));

export function retarget(respond: Respond | undefined): void {
  target = respond;
}

export function frontUrl(): Promise<string> {
  front ??= new Promise((resolve, reject) => {
    const listening = http.createServer(httpListener(answer, []));
    server = listening;
    listening.keepAliveTimeout = 60_000;
    listening.on('error', reject);
    listening.listen(0, '127.0.0.1', () => {
      listening.unref();
      address = { hostname: '127.0.0.1', port: (listening.address() as { port: number }).port };
      resolve(`http://${address.hostname}:${address.port}`);
    });
  });
  return front;
}

/** Closes the front and the SDK's kept-alive connections to it, so a command can exit at once. */
export function closeFront(): void {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  front = undefined;
  address = undefined;
}

/** The parts of a Smithy `HttpRequest` / `HttpResponse` / `HttpHandler` this front reads and builds. */
interface SdkRequest {
  method: string;
  hostname: string;
  port?: number;
  headers: Record<string, string>;
  body?: unknown;
}
interface SdkHandler {
  handle(request: SdkRequest, options?: unknown): Promise<{ response: unknown }>;
  destroy?(): void;
}

/** A call its caller aborted (`abortSignal`), named as the SDK's Node.js HTTP handler names it. */
export class RequestAbortedError extends Error {
  override name = 'AbortError';
  constructor(signal: AbortSignal) {
    const reason: unknown = signal.reason;
    super(reason instanceof Error || reason === undefined ? 'Request aborted' : String(reason), {
      cause: reason,
    });
  }
}

/** What `respond` answers, unless the caller aborts first (the emulator may still carry the request out). */
function unlessAborted<T>(answer: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return answer;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new RequestAbortedError(signal));
    signal.addEventListener('abort', abort, { once: true });
    answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString();
  throw new TypeError(`the sandbox front delivers string or byte bodies in-process, got ${typeof body}`);
}

/**
 * An SDK client's request handler that delivers a request addressed to the front straight to the emulator
 * of the run in progress: the client has serialised and signed it exactly as for the wire, and parses the
 * answer exactly as if it came off a socket (status, the headers in lower case, the body as bytes); only the
 * loopback hop is gone, which was the sandbox's largest cost after the SDK itself. A request to any other
 * address goes to `fallback`, the client's own handler.
 */
export function deliverInProcess<H extends SdkHandler>(fallback: H): H {
  const handler: SdkHandler = {
    handle: async (request, options) => {
      if (!address || request.hostname !== address.hostname || request.port !== address.port)
        return fallback.handle(request, options);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const signal = (options as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      // Aborted before it is sent: the emulator never sees it, as no socket would carry it.
      if (signal?.aborted) throw new RequestAbortedError(signal);
      const answered = await unlessAborted(
        answer({ method: request.method, headers, body: bodyText(request.body) }),
        signal,
      );
      return {
        response: {
          statusCode: answered.status,
          headers: answered.headers,
          body: new Uint8Array(Buffer.from(answered.body)),
        },
      };
    },
    destroy: () => fallback.destroy?.(),
  };
  // The SDK asks its handler for more than `handle` (its config, `updateHttpClientConfig`): those stay the
  // fallback's own.
  return Object.assign(Object.create(fallback) as H, handler);
}
