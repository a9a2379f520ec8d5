import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsApiError, type OperationContext, type OperationHandler, type ServiceEmulator } from './types.ts';
import type { FaultInjector } from './faults.ts';

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

export interface ServerOptions {
  registry: ServiceRegistry;
  faults: FaultInjector;
  /** Services whose operations faults apply to (fault settings name operations of these). */
  faultedServices: ReadonlySet<string>;
  calls: Record<string, Record<string, number>>;
  internalErrors: Error[];
  context: OperationContext;
}

export interface RunningServer {
  url: string;
  handle: http.RequestListener;
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

/** Starts the front on `127.0.0.1` at a free port. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { registry, faults, calls, internalErrors, context } = options;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const requestType = req.headers['content-type'] ?? '';
    const contentType = JSON_CONTENT_TYPE.exec(requestType)?.[0] ?? 'application/x-amz-json-1.1';
    const queryCompatible = req.headers['x-amzn-query-mode'] === 'true';
    const send = (status: number, body: string, errorType?: string) => {
      const headers: http.OutgoingHttpHeaders = {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
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
      res.writeHead(status, headers);
      res.end(body);
    };
    const fail = (status: number, type: string, message: string) =>
      send(status, JSON.stringify({ __type: type, message }), type);

    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const dot = target.lastIndexOf('.');
    if (req.method !== 'POST' || dot <= 0) {
      fail(
        400,
        'UnknownOperationException',
        `expected POST / with X-Amz-Target <prefix>.<Operation>, got ${req.method} ${JSON.stringify(target)}`,
      );
      return;
    }
    const prefix = target.slice(0, dot);
    const name = target.slice(dot + 1);
    const { service, operation } = registry.resolve(prefix, name);
    const counted = (calls[service ?? prefix] ??= {});
    counted[name] = (counted[name] ?? 0) + 1;
    if (!operation) {
      fail(400, 'UnknownOperationException', `operation ${target} is not served by the sandbox emulator`);
      return;
    }

    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      fail(400, 'SerializationException', `the request body of ${target} is not a JSON object`);
      return;
    }

    if (options.faultedServices.has(service!)) {
      const fault = faults.decide(name, resourceKeyOf(operation.service, name, input));
      if (fault === 'throttle') return fail(400, 'ThrottlingException', 'Rate exceeded');
      if (fault === 'serverError')
        return fail(500, 'InternalFailure', 'We encountered an internal error. Please try again.');
    }

    try {
      send(200, serialize(await operation.handler(input, context)));
    } catch (err) {
      if (err instanceof AwsApiError) return fail(err.statusCode, err.type, err.message);
      // The emulator's own bug: answered like AWS would, but kept so that tests and runs can fail on it.
      internalErrors.push(err instanceof Error ? err : new Error(String(err)));
      fail(500, 'InternalFailure', `emulator bug in ${target}: ${(err as Error)?.message ?? String(err)}`);
    }
  };

  let requestCount = 0;
  const listener: http.RequestListener = (req, res) => {
    handle(req, res).catch((err: unknown) => {
      internalErrors.push(err instanceof Error ? err : new Error(String(err)));
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server = http.createServer(listener);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handle: listener,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of the SDK clients would hold `close` open until they time out.
        server.closeAllConnections();
      }),
  };
}
