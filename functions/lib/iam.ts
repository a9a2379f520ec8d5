/**
 * Least privilege, declared once: every gateway call carries the IAM action it needs and the kinds of
 * resource AWS authorizes it on; every step lists the gateway calls it uses; the deployed roles are derived
 * from those lists (deploy/), never written by hand a second time.
 */
export type ResourceKind =
  | 'notebook-instance'
  | 'notebook-instance-lifecycle-config'
  | 'endpoint'
  | 'endpoint-config'
  | 'alarm'
  | 'event-bus'
  | 'ledger-table'
  | 'state-machine'
  /** List/Describe-all actions that AWS does not allow to scope to a resource. */
  | 'account';

export interface Permission {
  action: string;
  /**
   * Every kind of resource AWS checks the action against. Some actions need several at once: UpdateEndpoint
   * is authorized on the endpoint AND on the endpoint configuration it moves to (Service Authorization
   * Reference, Amazon SageMaker AI), so a role that grants only one of them is denied.
   */
  resources: readonly ResourceKind[];
}

/** `permission` is the first (usually the only) one of `permissions`. */
export type Declared<F> = F & {
  readonly permission: Permission;
  readonly permissions: readonly Permission[];
};

/**
 * Attaches the IAM action(s) a gateway function needs, and the resource kind(s) it acts on, to the function.
 * Several actions for one call: a DynamoDB transaction is authorized on each action it contains (there is no
 * `dynamodb:TransactWriteItems` action).
 *
 * @example needs('sagemaker:UpdateEndpoint', ['endpoint', 'endpoint-config'], updateEndpoint)
 */
export function needs<F extends (...args: never[]) => unknown>(
  action: string | readonly string[],
  resource: ResourceKind | readonly ResourceKind[],
  fn: F,
): Declared<F> {
  const resources = typeof resource === 'string' ? [resource] : [...resource];
  const permissions = (typeof action === 'string' ? [action] : [...action]).map((a) => ({
    action: a,
    resources,
  }));
  return Object.assign(fn, { permission: permissions[0]!, permissions });
}

type Call = { readonly permissions: readonly Permission[] };

/**
 * The permissions of the gateway calls a step uses: one per action, with every kind declared for it. Calls
 * several steps share come as one list (`permissionsOf(common, stopNotebook)`), never spread into the
 * arguments: esbuild keeps a spread's operand even of a call marked pure, and with it every call listed.
 */
export function permissionsOf(...calls: Array<Call | readonly Call[]>): Permission[] {
  const kinds = new Map<string, Set<ResourceKind>>();
  for (const permission of calls.flat().flatMap((c) => c.permissions)) {
    const seen = kinds.get(permission.action) ?? new Set<ResourceKind>();
    for (const kind of permission.resources) seen.add(kind);
    kinds.set(permission.action, seen);
  }
  // Code-point order, like the resources': this runs when every handler module loads, and the first
  // localeCompare of a process loads ICU's collator (10–30 ms of cold start) to order ASCII names.
  return [...kinds]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([action, resources]) => ({ action, resources: [...resources].sort() }));
}
