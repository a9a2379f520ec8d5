import type { EndpointDeps } from './steps.ts';
import { lambdaHandler } from '../handler.ts';
import type { Permission } from '../iam.ts';

/**
 * An endpoint-update step as a Lambda, with its declared permissions and only the clients it calls: the
 * handler imports those from `aws/clients/` (built once per container), so no step's bundle carries a client
 * another step needs.
 *
 * @example endpointStep(recover, recoverPermissions, { sagemaker })
 */
export function endpointStep<I, O, D extends Partial<EndpointDeps>>(
  step: (input: I, deps: NoInfer<D> & Pick<EndpointDeps, 'now'>) => Promise<O>,
  permissions: Permission[],
  clients: D,
) {
  const deps = { ...clients, now: () => Date.now() };
  return { permissions, handler: lambdaHandler((input: I) => step(input, deps)) };
}
