/**
 * Security Hub findings and AWS Config compliance changes → notebook patch requests. Pure, in two steps: a
 * read (`readFindingEvent`, `readConfigEvent`) keeps the failed checks about this deployment's own notebooks
 * (the account and region it runs in; others are ignored with that reason), and a plan
 * (`planRemediation`) decides per notebook what its patch group and its exemption allow. The `from-finding`
 * / `from-config` handlers fetch each notebook's tags between the two, start one workflow per request and
 * emit a `Finding Not Remediable` event per not-remediable entry.
 */
import { createHash } from 'node:crypto';
import { describeExemption, exemptionOn, type Exemption } from '../exemptions.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { isTargeted } from './groups.ts';
import type { Home } from './home.ts';
import {
  canonicalControlId,
  controlOfConfigRule,
  remediationForConfigRule,
  remediationForControl,
  type Remediation,
  type RemediationOptions,
  type RemediationSettings,
} from './remediation.ts';
import type { GroupFacts, TriggerSettings } from './settings.ts';

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
    overridesExemption?: boolean;
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

/** What a finding trigger knows besides the event: the deployment's settings, each notebook's tags, the time. */
export interface NotebookContext {
  settings: Pick<TriggerSettings, 'exemptTag' | 'neverCovered' | 'groups'>;
  /** Each notebook's tags, by name; a notebook left out has none (it may not exist any more). */
  tags: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** When the trigger runs (epoch ms): a dated exemption is judged on this day. */
  now: number;
}

export interface TriggerOptions extends RemediationOptions {
  /** Policy for the requests (a finding usually concerns one notebook: the defaults suit it). */
  policy?: NotebookPatchRequest['policy'];
  /** Where the deployment runs: a check about another account or region is ignored with that reason. */
  home?: Home;
  /** Patch groups, exemptions and the notebooks' tags; without it no group has opted in and nothing is exempt. */
  context?: NotebookContext;
}

/** One failed check about one of the deployment's notebooks, as the event reported it. */
export interface FailedCheck {
  /** The finding's id, or `<rule>/<resource id>` for a Config evaluation. */
  id: string;
  /** The finding's generator, or the Config rule's name. */
  generatorId: string;
  /** When the finding or evaluation was last updated: a later one is a new remediation. */
  updatedAt?: string | undefined;
  /** A Security Hub control (findings) or a Config rule's name (evaluations). */
  check: { kind: 'control' | 'config-rule'; name: string };
  notebook: string;
  /** The notebook's ARN (from the event, or built from the deployment's home), for its tags. */
  notebookArn?: string | undefined;
}

/** An event read: the failed checks about our notebooks, and what was left aside and why. */
export interface FindingReading {
  kind: 'securityhub-finding' | 'config-rule';
  checks: FailedCheck[];
  ignored: Ignored[];
}

const NOTEBOOK_RESOURCE_TYPE = 'AwsSageMakerNotebookInstance';
const CONFIG_NOTEBOOK_TYPE = 'AWS::SageMaker::NotebookInstance';
const NOTEBOOK_ARN =
  /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):(\d{12}):notebook-instance\/([A-Za-z0-9-]{1,63})$/;
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

/**
 * The request id (and execution name) for a set of findings: the same for re-imports of the same finding
 * state, new when a finding was updated (`UpdatedAt`): a control that fails again after its remediation is a
 * new remediation, not a duplicate of the old one.
 */
export function findingRequestId(
  findings: readonly { id: string; generatorId: string; control: string; updatedAt?: string | undefined }[],
): string {
  const sorted = [...findings].sort((a, b) => a.id.localeCompare(b.id));
  const controls = [...new Set(sorted.map((f) => f.control))].join('-');
  return deterministicName(
    'finding',
    controls,
    sorted.flatMap((f) => [f.id, f.generatorId, f.updatedAt ?? '']),
  );
}

/** The request id of a Config evaluation: re-sent notifications of it name the same execution. */
function configRequestId(check: FailedCheck, control: string): string {
  // An evaluation's id is `<rule>/<resource id>`: the rule, the resource and the evaluation's time name it.
  const resourceId = check.id.slice(check.generatorId.length + 1);
  return deterministicName('config', control, [
    check.generatorId,
    CONFIG_NOTEBOOK_TYPE,
    resourceId,
    check.updatedAt ?? '',
  ]);
}

interface RemediableFinding extends FailedCheck {
  control: string;
  settings: RemediationSettings;
}

/** Every remediation sets a different member (or the same value), so merging is a plain union. */
function mergeSettings(fixes: readonly RemediableFinding[]): RemediationSettings {
  return Object.assign({}, ...fixes.map((fix) => fix.settings)) as RemediationSettings;
}

/** Why a place (account, region) is not the deployment's, or undefined when it is. */
function elsewhere(
  place: { account?: unknown; region?: unknown },
  home: Home | undefined,
  what: string,
): string | undefined {
  if (!home) return undefined;
  const problems: string[] = [];
  if (place.account !== home.account) problems.push(`account ${got(place.account)}`);
  if (place.region !== home.region) problems.push(`region ${got(place.region)}`);
  if (problems.length === 0) return undefined;
  return `${what} is about ${problems.join(' and ')}; this deployment acts only on account "${home.account}" in region "${home.region}"`;
}

/**
 * Why a finding's product is not Security Hub's own controls, or undefined when it is. Anyone allowed
 * `securityhub:BatchImportFindings` can import a finding under their own product that looks like a failed
 * control; only Security Hub's own (`arn:aws:securityhub:<region>::product/aws/securityhub`) speaks for AWS.
 */
function foreignProduct(productArn: unknown, home: Home | undefined): string | undefined {
  if (!home) return undefined;
  const own = `arn:aws:securityhub:${home.region}::product/aws/securityhub`;
  if (productArn === own) return undefined;
  return `the finding's ProductArn is ${got(productArn)}; caretaker acts only on Security Hub's own controls (${own})`;
}

/** The notebook an ARN names, with where it lives; undefined when the text is not a notebook ARN. */
function notebookArnParts(text: unknown) {
  const match = typeof text === 'string' ? NOTEBOOK_ARN.exec(text) : null;
  if (!match) return undefined;
  const [arn, , region, account, name] = match as unknown as [string, string, string, string, string];
  return { arn, region, account, name };
}

/** The notebook's ARN as tags are read by: the event's own, else built from the deployment's home. */
function arnFor(name: string, fromEvent: string | undefined, home: Home | undefined): string | undefined {
  if (fromEvent) return fromEvent;
  if (!home) return undefined;
  return `arn:${home.partition}:sagemaker:${home.region}:${home.account}:notebook-instance/${name.toLowerCase()}`;
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
  const parts = notebookArnParts(resource.Id);
  if (parts) return parts.name;
  issues.push({
    field: `${path}.Id`,
    message: `got ${got(resource.Id)}, expected arn:aws:sagemaker:<region>:<account>:notebook-instance/<name> (or Details.${NOTEBOOK_RESOURCE_TYPE}.NotebookInstanceName)`,
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

/**
 * Reads a `Security Hub Findings - Imported` event: the failed, active, new findings about notebooks of
 * this deployment's account and region. Accepts consolidated (`security-control/…`,
 * `Compliance.SecurityControlId`) and per-standard (`…/v/1.0.0/SageMaker.3`, `ProductFields.ControlId`)
 * findings. A malformed event throws a {@link ValidationError} naming every bad field.
 *
 * @example readFindingEvent(event, home).checks[0]?.notebook // → 'nb-1'
 */
export function readFindingEvent(event: unknown, home?: Home): FindingReading {
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

  const reading: FindingReading = { kind: 'securityhub-finding', checks: [], ignored: [] };
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

    const notebooks: Array<{ name: string; arn?: string | undefined }> = [];
    const foreign: string[] = [];
    resources.forEach((resource: unknown, r) => {
      const resourcePath = `${path}.Resources[${r}]`;
      if (!isObject(resource)) {
        issues.push({ field: resourcePath, message: `got ${got(resource)}, expected a resource object` });
      } else if (resource.Type === NOTEBOOK_RESOURCE_TYPE) {
        const name = notebookNameOf(resource, resourcePath, issues);
        const arn = notebookArnParts(resource.Id);
        const away = arn && elsewhere(arn, home, `resource ${arn.arn}`);
        if (away) foreign.push(away);
        else if (name) notebooks.push({ name, arn: arn?.arn });
      }
    });
    if (notebooks.length === 0 && foreign.length === 0) {
      const types = resources.map((r: unknown) => (isObject(r) ? r.Type : undefined));
      reading.ignored.push({
        findingId: id,
        reason: `not about a notebook instance (resource types ${got(types)})`,
      });
      return;
    }
    const away = elsewhere({ account: finding.AwsAccountId, region: finding.Region }, home, 'the finding');
    if (away || notebooks.length === 0) {
      reading.ignored.push({ findingId: id, reason: away ?? foreign.join('; ') });
      return;
    }
    const product = foreignProduct(finding.ProductArn, home);
    if (product) {
      reading.ignored.push({ findingId: id, reason: product });
      return;
    }
    const skip = skipReason(finding);
    if (skip) {
      reading.ignored.push({ findingId: id, reason: skip });
      return;
    }
    const control = controlIdOf(finding, generatorId);
    const updatedAt = typeof finding.UpdatedAt === 'string' ? finding.UpdatedAt : undefined;
    for (const notebook of notebooks) {
      reading.checks.push({
        id,
        generatorId,
        updatedAt,
        check: { kind: 'control', name: control },
        notebook: notebook.name,
        notebookArn: arnFor(notebook.name, notebook.arn, home),
      });
    }
  });

  if (issues.length > 0) throw new ValidationError(issues);
  return reading;
}

/**
 * Reads a `Config Rules Compliance Change` event: at most one failed check, about a notebook of this
 * deployment's account and region.
 *
 * @example readConfigEvent(event, home).checks[0]?.check // → { kind: 'config-rule', name: 'securityhub-sagemaker-notebook-instance-root-access-check-…' }
 */
export function readConfigEvent(event: unknown, home?: Home): FindingReading {
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
  const reading: FindingReading = { kind: 'config-rule', checks: [], ignored: [] };
  const ignore = (reason: string) => {
    reading.ignored.push({ findingId: sourceId, reason });
    return reading;
  };
  if (resourceType !== CONFIG_NOTEBOOK_TYPE) {
    return ignore(`resource type is ${got(resourceType)}, expected "${CONFIG_NOTEBOOK_TYPE}"`);
  }
  const envelope = isObject(event) ? event : {};
  const away = elsewhere(
    { account: detail.awsAccountId ?? envelope.account, region: detail.awsRegion ?? envelope.region },
    home,
    'the evaluation',
  );
  const arn = notebookArnParts(resourceId);
  const awayArn = arn && elsewhere(arn, home, `resource ${arn.arn}`);
  if (away || awayArn) return ignore((away ?? awayArn) as string);
  if (complianceType !== 'NON_COMPLIANT') {
    return ignore(`compliance type is ${got(complianceType)}, expected "NON_COMPLIANT"`);
  }
  const notebook = arn ? arn.name : (resourceId as string);
  // The evaluation's own time: a re-sent notification of it names the same execution, a new evaluation
  // (the rule failing again after a remediation) a new one.
  const recorded = nested(detail, ['newEvaluationResult', 'resultRecordedTime']);
  reading.checks.push({
    id: sourceId,
    generatorId: rule,
    updatedAt: typeof recorded === 'string' ? recorded : undefined,
    check: { kind: 'config-rule', name: rule },
    notebook,
    notebookArn: arnFor(notebook, arn?.arn, home),
  });
  return reading;
}

/**
 * Whether a notebook's patch groups opted in to moving it to a supported platform (SageMaker.8), as
 * remediation options: the target platform, or why there is none.
 */
function platformOptions(notebook: string, groups: readonly GroupFacts[]): RemediationOptions {
  const platforms = new Set(groups.map((g) => g.targetPlatform));
  const [only] = platforms;
  if (groups.length > 0 && platforms.size === 1 && only) return { targetPlatform: only };
  if (groups.length === 0) {
    return { notOptedIn: `${notebook} belongs to no patch group, so none has opted in (targetPlatform)` };
  }
  if (platforms.size > 1) {
    const each = groups.map((g) => `${g.name} (${g.targetPlatform ?? 'not opted in'})`).join(', ');
    return { notOptedIn: `${notebook}'s patch groups disagree on its platform: ${each}` };
  }
  const names = groups.map((g) => g.name).join(', ');
  return {
    notOptedIn: `${notebook}'s patch group${groups.length > 1 ? 's' : ''} ${names} ha${groups.length > 1 ? 've' : 's'} not opted in (no targetPlatform)`,
  };
}

/** The exemption a notebook has from findings: the deployment's exempt tag, or one of its groups'. */
function findingExemption(
  tags: Readonly<Record<string, string>>,
  groups: readonly GroupFacts[],
  context: NotebookContext,
): Exemption | undefined {
  const exemptTags = new Set([context.settings.exemptTag, ...groups.map((g) => g.exemptTag)]);
  for (const tag of exemptTags) {
    const exemption = exemptionOn(tags, tag, context.now);
    if (exemption) return exemption;
  }
  return undefined;
}

function remediationOf(check: FailedCheck, options: RemediationOptions): Remediation {
  return check.check.kind === 'control'
    ? remediationForControl(check.check.name, options)
    : remediationForConfigRule(check.check.name, options);
}

/**
 * Decides what to do about an event's failed checks: one patch request per notebook, merging the settings
 * of every remediable check about it, with what its patch group allows (SageMaker.8 only where the group set
 * a `targetPlatform`); a `Finding Not Remediable` entry for each check caretaker cannot fix. A notebook
 * exempt from findings (its exempt tag, `until-…` not past) is patched only for the controls exemptions never
 * cover (`neverCovered`), and the request says so (`overridesExemption`); its other checks are ignored with
 * the exemption as the reason.
 *
 * @example planRemediation(readFindingEvent(event, home), { home, context }).requests[0]?.settings // → { rootAccess: 'Disabled' }
 */
export function planRemediation(reading: FindingReading, options: TriggerOptions = {}): TriggerPlan {
  const plan: TriggerPlan = { requests: [], notRemediable: [], ignored: [...reading.ignored] };
  const byNotebook = new Map<string, FailedCheck[]>();
  for (const check of reading.checks)
    byNotebook.set(check.notebook, [...(byNotebook.get(check.notebook) ?? []), check]);

  for (const [notebook, checks] of [...byNotebook].sort(([a], [b]) => a.localeCompare(b))) {
    const { context } = options;
    const tags = context?.tags.get(notebook) ?? {};
    const groups = context
      ? context.settings.groups.filter((g) => isTargeted(g.targets, notebook, tags))
      : [];
    const remediation = context ? { ...options, ...platformOptions(notebook, groups) } : options;
    const exemption = context && findingExemption(tags, groups, context);
    const fixes: RemediableFinding[] = [];
    for (const check of checks) {
      const outcome = remediationOf(check, remediation);
      if (outcome.kind === 'not-remediable') {
        plan.notRemediable.push({
          findingId: check.id,
          control: outcome.control,
          notebook,
          reason: outcome.reason,
        });
        continue;
      }
      const control =
        check.check.kind === 'control' ? outcome.control : controlOfConfigRule(check.check.name);
      if (exemption && !context.settings.neverCovered.includes(control)) {
        plan.ignored.push({
          findingId: check.id,
          reason: `${notebook} is exempt (tagged ${describeExemption(exemption)}), which covers ${control}`,
        });
        continue;
      }
      fixes.push({ ...check, control: outcome.control, settings: outcome.settings });
    }
    if (fixes.length === 0) continue;
    plan.requests.push({
      requestId:
        reading.kind === 'config-rule'
          ? configRequestId(fixes[0]!, fixes[0]!.control)
          : findingRequestId(fixes),
      reason: 'finding',
      source: {
        kind: reading.kind,
        id: fixes[0]!.id,
        findingIds: fixes.map((f) => f.id),
        controls: [...new Set(fixes.map((f) => f.control))],
      },
      targets: { names: [notebook] },
      settings: mergeSettings(fixes),
      policy: {
        ...options.policy,
        ...(context ? { exemptTag: context.settings.exemptTag } : {}),
        ...(exemption ? { overridesExemption: true } : {}),
      },
    });
  }
  return plan;
}

/**
 * Turns a `Security Hub Findings - Imported` event into patch requests: one per notebook, merging the
 * settings of every remediable finding about it (see {@link readFindingEvent}, {@link planRemediation}).
 *
 * @example parseFindingEvent(event).requests[0]?.targets // → { names: ['nb-1'] }
 */
export function parseFindingEvent(event: unknown, options: TriggerOptions = {}): TriggerPlan {
  return planRemediation(readFindingEvent(event, options.home), options);
}

/**
 * Turns a `Config Rules Compliance Change` event into at most one patch request. The request id hangs on
 * the rule, the resource type, the resource id and the evaluation's time only, so a re-sent notification
 * (new `notificationCreationTime`) maps to the same execution name.
 *
 * @example parseConfigEvent(event).requests[0]?.settings // → { rootAccess: 'Disabled' }
 */
export function parseConfigEvent(event: unknown, options: TriggerOptions = {}): TriggerPlan {
  return planRemediation(readConfigEvent(event, options.home), options);
}

function nested(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}
