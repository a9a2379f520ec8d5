/**
 * Least privilege, declared once: every gateway call carries the IAM action it needs and the kind of
 * resource it acts on; every step lists the gateway calls it uses; the deployed roles are derived from
 * those lists (deploy/), never written by hand a second time.
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
  resource: ResourceKind;
}

export type Declared<F> = F & { readonly permission: Permission };

/** Attaches the IAM action a gateway function needs to the function itself. */
export function needs<F extends (...args: never[]) => unknown>(
  action: string,
  resource: ResourceKind,
  fn: F,
): Declared<F> {
  return Object.assign(fn, { permission: { action, resource } });
}

/** The deduplicated, sorted permissions of the gateway calls a step uses. */
export function permissionsOf(...calls: Array<{ readonly permission: Permission }>): Permission[] {
  const seen = new Map<string, Permission>();
  for (const { permission } of calls) seen.set(`${permission.action} ${permission.resource}`, permission);
  return [...seen.values()].sort((a, b) => a.action.localeCompare(b.action));
}
