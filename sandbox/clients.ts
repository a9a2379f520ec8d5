import { deliverInProcess } from './front.ts';
import { isMutatingCall, scope, type InvocationScope } from './lambda.ts';

/** What a sandbox run learns from the handlers' AWS calls. */
export interface CallObserver {
  /** Every attempt (retries included) of every call, with the invocation that made it. */
  call(caller: InvocationScope | undefined, service: string, operation: string): void;
  /** A trigger started (or tried to start) an execution of this name. */
  starting(name: string, trigger: NonNullable<InvocationScope['trigger']>): void;
}

let observer: CallObserver | undefined;

/** Points the instrumented clients at a run's observer (`undefined` between runs). */
export function observeCalls(next: CallObserver | undefined): void {
  observer = next;
}

type Next = (args: unknown) => Promise<unknown>;
interface Stack {
  add(middleware: unknown, options: Record<string, unknown>): void;
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}

interface SdkClient {
  middlewareStack: unknown;
  config: { requestHandler: unknown; cacheMiddleware?: boolean };
}

const delivering = new WeakSet<SdkClient>();

/** Hands the client's requests for the sandbox to the emulator in-process (see `deliverInProcess`). */
function deliverDirectly(client: SdkClient): void {
  if (delivering.has(client)) return;
  delivering.add(client);
  client.config.requestHandler = deliverInProcess(
    client.config.requestHandler as Parameters<typeof deliverInProcess>[0],
  );
}

/**
 * Adds the sandbox's middleware to the clients the handler modules build (module singletons, so these are
 * the very clients the handlers use): the Lambda fault around each call, and on every attempt the
 * `x-sandbox-caller` header (who called, for the emulator's journal) and the call count. Each delivers its
 * requests to the emulator without a socket.
 */
export async function instrumentClients(): Promise<void> {
  const [{ sagemaker }, { sfn }, { events }, { ledger }, { cloudwatch }, { serviceQuotas }, { tagging }] =
    await Promise.all([
      import('#lib/aws/clients/sagemaker'),
      import('#lib/aws/clients/sfn'),
      import('#lib/aws/clients/events'),
      import('#lib/aws/clients/ledger'),
      import('#lib/aws/clients/cloudwatch'),
      import('#lib/aws/clients/service-quotas'),
      import('#lib/aws/clients/tagging'),
    ]);
  const clients: Array<[string, SdkClient]> = [
    ['sagemaker', sagemaker],
    ['sfn', sfn],
    ['eventbridge', events.eventbridge],
    ['dynamodb', ledger.dynamodb],
    ['cloudwatch', cloudwatch],
  ];
  for (const client of [...clients.map(([, c]) => c), serviceQuotas, tagging]) deliverDirectly(client);
  const operationOf = (context: { commandName?: string }) =>
    context.commandName?.replace(/Command$/, '') ?? '?';
  for (const [service, client] of clients) {
    const stack = client.middlewareStack as Stack;
    stack.add(
      (next: Next, context: { commandName?: string }) => (args: unknown) => {
        const invocation = scope.getStore()?.invocation;
        if (!invocation) return next(args);
        return invocation.around(isMutatingCall(service, operationOf(context)), () => next(args));
      },
      { step: 'initialize', name: 'sandboxLambdaFault', override: true },
    );
    stack.addRelativeTo(
      (next: Next, context: { commandName?: string }) =>
        (args: { request?: { headers?: Record<string, string> } }) => {
          const caller = scope.getStore();
          if (caller && args.request?.headers) args.request.headers['x-sandbox-caller'] = caller.caller;
          observer?.call(caller, service, operationOf(context));
          return next(args);
        },
      {
        relation: 'before',
        toMiddleware: 'deserializerMiddleware',
        name: 'sandboxCallCounter',
        override: true,
      },
    );
  }
  (sfn.middlewareStack as unknown as Stack).add(
    (next: Next) => (args: { input: { name?: string } }) => {
      const trigger = scope.getStore()?.trigger;
      if (trigger && args.input.name) observer?.starting(args.input.name, trigger);
      return next(args);
    },
    { step: 'initialize', name: 'sandboxTriggerNote', override: true },
  );
  // Their stacks are complete now: the SDK may build each command's handler once instead of on every call
  // (its own `cacheMiddleware` option; a later `instrumentClients` only puts the same middleware back).
  for (const [, client] of clients) client.config.cacheMiddleware = true;
}
