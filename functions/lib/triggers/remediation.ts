/**
 * What caretaker does about a Security Hub control or an AWS Config managed rule that fails for a
 * notebook instance. Pure: the triggers (`from-finding`, `from-config`) call it and turn `patch` into a
 * patch request and `not-remediable` into a `Finding Not Remediable` event.
 *
 * Only settings that `UpdateNotebookInstance` can change on a stopped notebook are ever "fixed"; direct
 * internet access, subnet/VPC and the KMS key are fixed at creation, so those findings are reported,
 * never patched.
 */

/** Settings a remediation asks for, in the patch request's terms (see `notebook/settings.ts`). */
export interface RemediationSettings {
  rootAccess?: 'Enabled' | 'Disabled';
  platformIdentifier?: string;
}

export type Remediation =
  | { kind: 'patch'; control: string; settings: RemediationSettings }
  | { kind: 'not-remediable'; control: string; reason: string };

export interface RemediationOptions {
  /**
   * The patch group's target platform (e.g. `notebook-al2023-v1`). Setting it is the opt-in for
   * SageMaker.8: moving a notebook to a new platform changes its users' environment.
   */
  targetPlatform?: string | undefined;
  /** Why there is no target platform for this notebook (its patch groups), said when SageMaker.8 fails. */
  notOptedIn?: string | undefined;
  /** Further controls or managed rules that a plain stop/start fixes (e.g. a custom "platform release" rule). */
  restartFixes?: readonly string[] | undefined;
}

const NOT_REMEDIABLE: Record<string, string> = {
  'SageMaker.1':
    'direct internet access is fixed when the notebook is created; recreate it with DirectInternetAccess Disabled',
  'SageMaker.2': 'the VPC and subnet are fixed when the notebook is created; recreate it in a custom VPC',
  'SageMaker.21':
    'the KMS key is fixed when the notebook is created; recreate it with a customer managed key',
};

/** Managed Config rules about notebooks → the Security Hub control that uses them (or a KMS pseudo-control). */
const MANAGED_RULES: Record<string, string> = {
  'sagemaker-notebook-no-direct-internet-access': 'SageMaker.1',
  'sagemaker-notebook-instance-inside-vpc': 'SageMaker.2',
  'sagemaker-notebook-instance-root-access-check': 'SageMaker.3',
  'sagemaker-notebook-instance-platform-version': 'SageMaker.8',
  'sagemaker-notebook-instance-kms-key-configured': 'SageMaker.21',
  'sagemaker-notebook-instance-storage-vol-kms-encrypted': 'SageMaker.21',
};

/**
 * The canonical control id: `SageMaker.3` from `SageMaker.3`, `sagemaker.3`, `PCI.SageMaker.3` or a
 * generator id such as `aws-foundational-security-best-practices/v/1.0.0/SageMaker.3`.
 *
 * @example canonicalControlId('security-control/SageMaker.8') // → 'SageMaker.8'
 */
export function canonicalControlId(control: string): string {
  const tail = control.split('/').pop() ?? control;
  const sageMaker = /(?:^|\.)sagemaker\.(\d+)$/i.exec(tail);
  return sageMaker ? `SageMaker.${sageMaker[1]}` : tail;
}

/**
 * What caretaker does about a failed Security Hub control on a notebook.
 *
 * @example remediationForControl('SageMaker.3') // → { kind: 'patch', control: 'SageMaker.3', settings: { rootAccess: 'Disabled' } }
 */
export function remediationForControl(control: string, options: RemediationOptions = {}): Remediation {
  const id = canonicalControlId(control);
  const notRemediable = NOT_REMEDIABLE[id];
  if (notRemediable) return { kind: 'not-remediable', control: id, reason: notRemediable };
  if (id === 'SageMaker.3') return { kind: 'patch', control: id, settings: { rootAccess: 'Disabled' } };
  if (id === 'SageMaker.8') {
    if (!options.targetPlatform) {
      return {
        kind: 'not-remediable',
        control: id,
        reason: `moving a notebook to a supported platform changes its environment; ${
          options.notOptedIn ?? 'the patch group has not opted in (no targetPlatform)'
        }`,
      };
    }
    return { kind: 'patch', control: id, settings: { platformIdentifier: options.targetPlatform } };
  }
  if (options.restartFixes?.some((fix) => fix === control || fix === id)) {
    return { kind: 'patch', control: id, settings: {} };
  }
  return { kind: 'not-remediable', control: id, reason: `unknown control ${JSON.stringify(control)}` };
}

/**
 * The AWS managed rule behind a Config rule name: Security Hub deploys `securityhub-<rule>-<suffix>`,
 * conformance packs `<rule>-conformance-pack-<suffix>`; a plain managed rule keeps its own name.
 *
 * @example managedRuleName('securityhub-sagemaker-notebook-instance-root-access-check-6f2a9c1d')
 *   // → 'sagemaker-notebook-instance-root-access-check'
 */
export function managedRuleName(configRuleName: string): string | undefined {
  const name = configRuleName.toLowerCase().replace(/^securityhub-/, '');
  // Longest first, so a rule whose name extends another's is never taken for the shorter one.
  const known = Object.keys(MANAGED_RULES).sort((a, b) => b.length - a.length);
  return known.find((rule) => name === rule || name.startsWith(`${rule}-`));
}

/**
 * The Security Hub control a Config rule checks (what `caretaker.yml` `exemptions.neverCover` names), or the
 * rule's own name when it is not one caretaker knows.
 *
 * @example controlOfConfigRule('securityhub-sagemaker-notebook-instance-root-access-check-6f2a9c1d') // → 'SageMaker.3'
 */
export function controlOfConfigRule(configRuleName: string): string {
  const rule = managedRuleName(configRuleName);
  return rule === undefined ? canonicalControlId(configRuleName) : (MANAGED_RULES[rule] as string);
}

/**
 * What caretaker does about a notebook that a Config rule found NON_COMPLIANT.
 *
 * @example remediationForConfigRule('securityhub-sagemaker-notebook-instance-inside-vpc-2c79afca').kind // → 'not-remediable'
 */
export function remediationForConfigRule(
  configRuleName: string,
  options: RemediationOptions = {},
): Remediation {
  const rule = managedRuleName(configRuleName);
  if (rule === undefined) return remediationForControl(configRuleName, options);
  return { ...remediationForControl(MANAGED_RULES[rule] as string, options), control: rule };
}
