import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsApiError, type OperationContext, type OperationHandler, type ServiceEmulator } from './types.ts';
import { faultAnswer, type FaultInjector } from './faults.ts';

/**
 * The emulator's HTTP front: AWS JSON 1.0/1.1 over `POST /`, routed by `X-Amz-Target: <prefix>.<Operation>`
 * to the service modules. It owns everything a module should not see: the wire format, injected faults,
 * call counting, and turning errors into the responses the SDK parses.
 */

interface Operation {
  service: ServiceEmulator;
  handler: OperationHandler;
}

/**
 * The services by target prefix. Several modules may share one prefix (notebooks and endpoints are both
 * `SageMaker.`): their operations are merged, and an operation served twice is refused at registration.
 */
export class ServiceRegistry {
  readonly #prefixes = new Map<string, { service: string; operations: Map<string, Operation> }>();

  register(service: ServiceEmulator): void {
    let entry = this.#prefixes.get(service.targetPrefix);
    if (entry && entry.service !== service.service) {
      throw new Error(
        `service ${service.service}: target prefix ${service.targetPrefix} already belongs to service ${entry.service}`,
      );
    }
    const duplicates = Object.keys(service.operations).filter((op) => entry?.operations.has(op));
    if (duplicates.length > 0) {
      throw new Error(
        `service ${service.service}: ${service.targetPrefix}.${duplicates.join(', ')} already served`,
      );
    }
    if (!entry) {
      entry = { service: service.service, operations: new Map() };
      this.#prefixes.set(service.targetPrefix, entry);
    }
    for (const [name, handler] of Object.entries(service.operations)) {
      entry.operations.set(name, { service, handler });
    }
  }

  /** The service name a prefix belongs to and, when served, the operation. */
  resolve(prefix: string, operation: string): { service: string | undefined; operation?: Operation } {
    const entry = this.#prefixes.get(prefix);
    const found = entry?.operations.get(operation);
    return found ? { service: entry!.service, operation: found } : { service: entry?.service };
  }
}

// The members that name the resource of the operations this sandbox serves, in order of preference.
const RESOURCE_MEMBERS = [
  'NotebookInstanceName',
  'EndpointName',
  'EndpointConfigName',
  'NotebookInstanceLifecycleConfigName',
  'ResourceArn',
  'AlarmName',
  'TableName',
  'stateMachineArn',
];

function resourceKeyOf(service: ServiceEmulator, operation: string, input: Record<string, unknown>): string {
  const own = service.resourceKey?.(operation, input);
  if (own !== undefined) return own;
  for (const member of RESOURCE_MEMBERS) {
    const value = input[member];
    if (typeof value === 'string') return value;
  }
  return '';
}

/** The header the sandbox's SDK clients carry to say who calls: the ARN of the calling execution. */
export const CALLER_HEADER = 'x-sandbox-caller';

/**
 * One request the emulator received, in arrival order: when (virtual ms), which operation on which resource,
 * who called (the `x-sandbox-caller` header; absent → undefined) and what happened:
 * - `ok`: it took effect (or read) and was answered;
 * - `lost`: it took effect, and the caller was answered a 500 instead;
 * - `throttle` | `serverError`: an injected fault answered instead; nothing happened;
 * - otherwise the name of the error it was answered (`ValidationException`, …); nothing happened.
 */
export interface JournalEntry {
  at: number;
  service: string;
  operation: string;
  resource: string;
  caller: string | undefined;
  outcome: string;
}

export interface ServerOptions {
  registry: ServiceRegistry;
  faults: FaultInjector;
  calls: Record<string, Record<string, number>>;
  journal: JournalEntry[];
  internalErrors: Error[];
  context: OperationContext;
}

/** A request as the SDK serialised it: header names in lower case, as Node's HTTP parser gives them. */
export interface WireRequest {
  method: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

/** The answer, as it would go back over the wire. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Respond = (request: WireRequest) => Promise<WireResponse>;

export interface RunningServer {
  url: string;
  /** Answers one request without a socket: what the HTTP listener answers, byte for byte. */
  respond: Respond;
  close(): Promise<void>;
}

const JSON_CONTENT_TYPE = /^application\/x-amz-json-1\.[01]\b/;

/** JSON protocol timestamps are epoch seconds; a module may answer with `Date`s and get them converted. */
function serialize(output: unknown): string {
  return JSON.stringify(output ?? {}, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves `respond` over HTTP: the wire in both directions, for `sandbox serve`, the process-wide front and
 * the contract tests that prove the wire format.
 */
export function httpListener(respond: Respond, internalErrors: Error[]): http.RequestListener {
  return (req, res) => {
    readBody(req)
      .then((body) => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers))
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
        return respond({ method: req.method ?? 'GET', headers, body });
      })
      .then(({ status, headers, body }) => {
        res.writeHead(status, headers);
        res.end(body);
      })
      .catch((err: unknown) => {
        internalErrors.push(err instanceof Error ? err : new Error(String(err)));
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

/** Starts the front on `127.0.0.1` at a free port. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { registry, faults, calls, journal, internalErrors, context } = options;

  const respond = async (req: WireRequest): Promise<WireResponse> => {
    const requestType = req.headers['content-type'] ?? '';
    const contentType = JSON_CONTENT_TYPE.exec(requestType)?.[0] ?? 'application/x-amz-json-1.1';
    const queryCompatible = req.headers['x-amzn-query-mode'] === 'true';
    const send = (status: number, body: string, errorType?: string): WireResponse => {
      const headers: Record<string, string> = {
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body)),
        'x-amzn-requestid': `req-${++requestCount}`,
        // Virtual time (Date is faked while the clock is installed): the SDK corrects its clock skew from it.
        date: new Date().toUTCString(),
      };
      if (errorType) {
        headers['x-amzn-errortype'] = errorType;
        // awsQuery-compatible clients (CloudWatch) read the error code from this header.
        if (queryCompatible)
          headers['x-amzn-query-error'] = `${errorType};${status >= 500 ? 'Receiver' : 'Sender'}`;
      }
      return { status, headers, body };
    };
    const fail = (status: number, type: string, message: string, fields: Record<string, unknown> = {}) =>
      send(status, JSON.stringify({ __type: type, message, ...fields }), type);

    const at = context.now();
    const caller = req.headers[CALLER_HEADER];
    const body = req.body;
    const target = String(req.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, Math.max(dot, 0));
    const name = target.slice(dot + 1);
    const { service, operation } = registry.resolve(prefix, name);
    const entry: JournalEntry = {
      at,
      service: service ?? prefix,
      operation: name,
      resource: '',
      caller: typeof caller === 'string' ? caller : undefined,
      outcome: 'ok',
    };
    journal.push(entry);
    const refuse = (status: number, type: string, message: string) => {
      entry.outcome = type;
      return fail(status, type, message);
    };
    if (req.method !== 'POST' || dot <= 0) {
      return refuse(
        400,
        'UnknownOperationException',
        `expected POST / with X-Amz-Target <prefix>.<Operation>, got ${req.method} ${JSON.stringify(target)}`,
      );
    }
    const counted = (calls[entry.service] ??= {});
    counted[name] = (counted[name] ?? 0) + 1;
    if (!operation) {
      return refuse(
        400,
        'UnknownOperationException',
        `operation ${target} is not served by the sandbox emulator`,
      );
    }

    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      return refuse(400, 'SerializationException', `the request body of ${target} is not a JSON object`);
    }

    entry.resource = resourceKeyOf(operation.service, name, input);
    const fault = faults.decide(entry.service, name, entry.resource);
    if (fault === 'throttle' || fault === 'serverError') {
      const answer = faultAnswer(entry.service, fault);
      entry.outcome = fault;
      return fail(answer.statusCode, answer.type, answer.message);
    }

    let output: unknown;
    try {
      output = await operation.handler(input, context);
    } catch (err) {
      if (err instanceof AwsApiError) {
        entry.outcome = err.type;
        if (fault !== 'lost') return fail(err.statusCode, err.type, err.message, err.fields);
      } else {
        // The emulator's own bug: answered like AWS would, but kept so that tests and runs can fail on it.
        internalErrors.push(err instanceof Error ? err : new Error(String(err)));
        entry.outcome = 'InternalFailure';
        return fail(
          500,
          'InternalFailure',
          `emulator bug in ${target}: ${(err as Error)?.message ?? String(err)}`,
        );
      }
    }
    if (fault === 'lost') {
      // The operation ran (and, unless it was refused, took effect); its answer never reaches the caller.
      if (entry.outcome === 'ok') entry.outcome = 'lost';
      const answer = faultAnswer(entry.service, fault);
      return fail(answer.statusCode, answer.type, answer.message);
    }
    return send(200, serialize(output));
  };

  let requestCount = 0;
  const server = http.createServer(httpListener(respond, internalErrors));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    respond,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of the SDK clients would hold `close` open until they time out.
        server.closeAllConnections();
      }),
  };
}
