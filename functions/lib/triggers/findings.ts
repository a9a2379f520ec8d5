/**
 * Security Hub findings and AWS Config compliance changes → notebook patch requests. Pure: the
 * `from-finding` / `from-config` handlers start one workflow per request and emit a
 * `Finding Not Remediable` event per not-remediable entry.
 */
import { createHash } from 'node:crypto';
import { ValidationError, type FieldIssue } from '../errors.ts';
import {
  canonicalControlId,
  remediationForConfigRule,
  remediationForControl,
  type Remediation,
  type RemediationOptions,
  type RemediationSettings,
} from './remediation.ts';

export interface NotebookPatchRequest {
  requestId: string;
  reason: 'finding' | 'schedule' | 'request' | 'audit';
  source: { kind: string; id: string; requestedBy?: string; [key: string]: unknown };
  targets: { names: string[] } | { tags: Record<string, string> } | { patchGroup: string };
  settings: {
    lifecycleConfigName?: string;
    disassociateLifecycleConfig?: boolean;
    instanceType?: string;
    rootAccess?: 'Enabled' | 'Disabled';
    volumeSizeInGB?: number;
    minimumInstanceMetadataServiceVersion?: string;
    platformIdentifier?: string;
  };
  policy: {
    maxConcurrency?: number;
    maxErrors?: number | string;
    exemptTag?: string;
    includeStopped?: boolean;
    dryRun?: boolean;
  };
}

/** A finding (or Config evaluation) caretaker will not fix, and why; it is reported, never "fixed". */
export interface NotRemediable {
  findingId: string;
  control: string;
  notebook: string;
  reason: string;
}

export interface Ignored {
  findingId: string;
  reason: string;
}

export interface TriggerPlan {
  requests: NotebookPatchRequest[];
  notRemediable: NotRemediable[];
  ignored: Ignored[];
}

export interface TriggerOptions extends RemediationOptions {
  /** Policy for the requests (a finding usually concerns one notebook: the defaults suit it). */
  policy?: NotebookPatchRequest['policy'];
}

const NOTEBOOK_RESOURCE_TYPE = 'AwsSageMakerNotebookInstance';
const CONFIG_NOTEBOOK_TYPE = 'AWS::SageMaker::NotebookInstance';
const NOTEBOOK_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:notebook-instance\/([A-Za-z0-9-]{1,63})$/;
const HASH_CHARS = 16;
const MAX_EXECUTION_NAME = 80;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function got(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A Step Functions execution name (≤ 80 chars of `[A-Za-z0-9-_]`) that is the same whenever the same
 * inputs come again, so a re-delivered or re-imported finding starts nothing new.
 *
 * @example deterministicName('finding', 'SageMaker.3', ['arn:…/finding/abc', 'security-control/SageMaker.3'])
 *   // → 'finding-sagemaker-3-<16 hex>'
 */
export function deterministicName(kind: string, label: string, parts: readonly string[]): string {
  const hash = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, HASH_CHARS);
  const room = MAX_EXECUTION_NAME - kind.length - HASH_CHARS - 2;
  const readable = slug(label).slice(0, room).replace(/-+$/, '');
  return readable ? `${kind}-${readable}-${hash}` : `${kind}-${hash}`;
}

/** The request id (and execution name) for a set of findings: stable across updates of the same findings. */
export function findingRequestId(
  findings: readonly { id: string; generatorId: string; control: string }[],
): string {
  const sorted = [...findings].sort((a, b) => a.id.localeCompare(b.id));
  const controls = [...new Set(sorted.map((f) => f.control))].join('-');
  return deterministicName(
    'finding',
    controls,
    sorted.flatMap((f) => [f.id, f.generatorId]),
  );
}

interface RemediableFinding {
  id: string;
  generatorId: string;
  control: string;
  settings: RemediationSettings;
}

/** Every remediation sets a different member (or the same value), so merging is a plain union. */
function mergeSettings(fixes: readonly RemediableFinding[]): RemediationSettings {
  return Object.assign({}, ...fixes.map((fix) => fix.settings)) as RemediationSettings;
}

function buildRequests(
  byNotebook: Map<string, RemediableFinding[]>,
  kind: string,
  requestIdOf: (fixes: RemediableFinding[]) => string,
  options: TriggerOptions,
): NotebookPatchRequest[] {
  return [...byNotebook.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([notebook, fixes]) => ({
      requestId: requestIdOf(fixes),
      reason: 'finding' as const,
      source: {
        kind,
        id: fixes[0]?.id ?? notebook,
        findingIds: fixes.map((f) => f.id),
        controls: [...new Set(fixes.map((f) => f.control))],
      },
      targets: { names: [notebook] },
      settings: mergeSettings(fixes),
      policy: { ...options.policy },
    }));
}

function notebookNameOf(
  resource: Record<string, unknown>,
  path: string,
  issues: FieldIssue[],
): string | undefined {
  const details = isObject(resource.Details) ? resource.Details[NOTEBOOK_RESOURCE_TYPE] : undefined;
  // The ARN holds the name in lower case; Details keeps the name as the user typed it.
  if (isObject(details) && typeof details.NotebookInstanceName === 'string' && details.NotebookInstanceName) {
    return details.NotebookInstanceName;
  }
  const id = resource.Id;
  const match = typeof id === 'string' ? NOTEBOOK_ARN.exec(id) : null;
  if (match) return match[1];
  issues.push({
    field: `${path}.Id`,
    message: `got ${got(id)}, expected arn:aws:sagemaker:<region>:<account>:notebook-instance/<name> (or Details.${NOTEBOOK_RESOURCE_TYPE}.NotebookInstanceName)`,
  });
  return undefined;
}

/** Why a finding is not one caretaker acts on, or undefined when it is FAILED, ACTIVE and NEW. */
function skipReason(finding: Record<string, unknown>): string | undefined {
  const compliance = isObject(finding.Compliance) ? finding.Compliance.Status : undefined;
  if (compliance !== 'FAILED') return `compliance status is ${got(compliance)}, expected "FAILED"`;
  const recordState = finding.RecordState ?? 'ACTIVE';
  if (recordState !== 'ACTIVE') return `record state is ${got(recordState)}, expected "ACTIVE"`;
  const workflow =
    (isObject(finding.Workflow) ? finding.Workflow.Status : undefined) ?? finding.WorkflowState ?? 'NEW';
  if (workflow !== 'NEW') return `workflow status is ${got(workflow)}, expected "NEW"`;
  return undefined;
}

function controlIdOf(finding: Record<string, unknown>, generatorId: string): string {
  const compliance = isObject(finding.Compliance) ? finding.Compliance.SecurityControlId : undefined;
  if (typeof compliance === 'string' && compliance) return canonicalControlId(compliance);
  const productFields = isObject(finding.ProductFields) ? finding.ProductFields.ControlId : undefined;
  if (typeof productFields === 'string' && productFields) return canonicalControlId(productFields);
  return canonicalControlId(generatorId);
}

function requireString(
  record: Record<string, unknown>,
  key: string,
  path: string,
  issues: FieldIssue[],
): string {
  const value = record[key];
  if (typeof value === 'string' && value.length > 0) return value;
  issues.push({ field: `${path}.${key}`, message: `got ${got(value)}, expected a non-empty string` });
  return '';
}

function record(
  remediation: Remediation,
  notebook: string,
  source: { id: string; generatorId: string },
  fixes: Map<string, RemediableFinding[]>,
  notRemediable: NotRemediable[],
): void {
  if (remediation.kind === 'not-remediable') {
    notRemediable.push({
      findingId: source.id,
      control: remediation.control,
      notebook,
      reason: remediation.reason,
    });
    return;
  }
  const list = fixes.get(notebook) ?? [];
  list.push({ ...source, control: remediation.control, settings: remediation.settings });
  fixes.set(notebook, list);
}

/**
 * Turns a `Security Hub Findings - Imported` event into patch requests: one per notebook, merging the
 * settings of every remediable finding about it. Accepts consolidated (`security-control/…`,
 * `Compliance.SecurityControlId`) and per-standard (`…/v/1.0.0/SageMaker.3`, `ProductFields.ControlId`)
 * findings. A malformed event throws a {@link ValidationError} naming every bad field.
 *
 * @example parseFindingEvent(event).requests[0]?.targets // → { names: ['nb-1'] }
 */
export function parseFindingEvent(event: unknown, options: TriggerOptions = {}): TriggerPlan {
  const issues: FieldIssue[] = [];
  const detail = isObject(event) ? event.detail : undefined;
  const findings = isObject(detail) ? detail.findings : undefined;
  if (!Array.isArray(findings) || findings.length === 0) {
    throw new ValidationError([
      {
        field: 'detail.findings',
        message: `got ${got(findings)}, expected a non-empty array of ASFF findings`,
      },
    ]);
  }

  const fixes = new Map<string, RemediableFinding[]>();
  const notRemediable: NotRemediable[] = [];
  const ignored: Ignored[] = [];

  findings.forEach((finding: unknown, index) => {
    const path = `detail.findings[${index}]`;
    if (!isObject(finding)) {
      issues.push({ field: path, message: `got ${got(finding)}, expected an ASFF finding object` });
      return;
    }
    const id = requireString(finding, 'Id', path, issues);
    const generatorId = requireString(finding, 'GeneratorId', path, issues);
    const resources = finding.Resources;
    if (!Array.isArray(resources) || resources.length === 0) {
      issues.push({
        field: `${path}.Resources`,
        message: `got ${got(resources)}, expected a non-empty array of resources`,
      });
      return;
    }
    if (!id || !generatorId) return;

    const notebooks: string[] = [];
    resources.forEach((resource: unknown, r) => {
      const resourcePath = `${path}.Resources[${r}]`;
      if (!isObject(resource)) {
        issues.push({ field: resourcePath, message: `got ${got(resource)}, expected a resource object` });
      } else if (resource.Type === NOTEBOOK_RESOURCE_TYPE) {
        const name = notebookNameOf(resource, resourcePath, issues);
        if (name) notebooks.push(name);
      }
    });
    if (notebooks.length === 0) {
      const types = resources.map((r: unknown) => (isObject(r) ? r.Type : undefined));
      ignored.push({ findingId: id, reason: `not about a notebook instance (resource types ${got(types)})` });
      return;
    }
    const skip = skipReason(finding);
    if (skip) {
      ignored.push({ findingId: id, reason: skip });
      return;
    }
    const remediation = remediationForControl(controlIdOf(finding, generatorId), options);
    for (const notebook of notebooks)
      record(remediation, notebook, { id, generatorId }, fixes, notRemediable);
  });

  if (issues.length > 0) throw new ValidationError(issues);
  return {
    requests: buildRequests(fixes, 'securityhub-finding', findingRequestId, options),
    notRemediable,
    ignored,
  };
}

/**
 * Turns a `Config Rules Compliance Change` event into at most one patch request. The request id hangs on
 * the rule, the resource type and the resource id only, so a re-sent notification (new
 * `notificationCreationTime`) maps to the same execution name.
 *
 * @example parseConfigEvent(event).requests[0]?.settings // → { rootAccess: 'Disabled' }
 */
export function parseConfigEvent(event: unknown, options: TriggerOptions = {}): TriggerPlan {
  const detail = isObject(event) ? event.detail : undefined;
  if (!isObject(detail)) {
    throw new ValidationError([
      { field: 'detail', message: `got ${got(detail)}, expected a Config compliance-change message` },
    ]);
  }
  const issues: FieldIssue[] = [];
  const qualifier = nested(detail, [
    'newEvaluationResult',
    'evaluationResultIdentifier',
    'evaluationResultQualifier',
  ]);
  const fromQualifier = (key: string) => (isObject(qualifier) ? qualifier[key] : undefined);
  const ruleName = detail.configRuleName ?? fromQualifier('configRuleName');
  const resourceType = detail.resourceType ?? fromQualifier('resourceType');
  const resourceId = detail.resourceId ?? fromQualifier('resourceId');
  const complianceType = nested(detail, ['newEvaluationResult', 'complianceType']);
  for (const [field, value] of [
    ['detail.configRuleName', ruleName],
    ['detail.resourceType', resourceType],
    ['detail.resourceId', resourceId],
    ['detail.newEvaluationResult.complianceType', complianceType],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      issues.push({ field, message: `got ${got(value)}, expected a non-empty string` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const rule = ruleName as string;
  const sourceId = `${rule}/${resourceId as string}`;
  const plan: TriggerPlan = { requests: [], notRemediable: [], ignored: [] };
  if (resourceType !== CONFIG_NOTEBOOK_TYPE) {
    plan.ignored.push({
      findingId: sourceId,
      reason: `resource type is ${got(resourceType)}, expected "${CONFIG_NOTEBOOK_TYPE}"`,
    });
    return plan;
  }
  if (complianceType !== 'NON_COMPLIANT') {
    plan.ignored.push({
      findingId: sourceId,
      reason: `compliance type is ${got(complianceType)}, expected "NON_COMPLIANT"`,
    });
    return plan;
  }
  const arnMatch = NOTEBOOK_ARN.exec(resourceId as string);
  const notebook = arnMatch ? (arnMatch[1] as string) : (resourceId as string);
  const fixes = new Map<string, RemediableFinding[]>();
  const remediation = remediationForConfigRule(rule, options);
  record(remediation, notebook, { id: sourceId, generatorId: rule }, fixes, plan.notRemediable);
  plan.requests = buildRequests(
    fixes,
    'config-rule',
    ([fix]) => deterministicName('config', fix?.control ?? rule, [rule, resourceType, resourceId as string]),
    options,
  );
  return plan;
}

function nested(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}
