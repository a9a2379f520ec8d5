/**
 * The deployed state machines are the ASL files of `statemachines/`, parsed, with each Lambda Task's
 * `${functionKey}` replaced by the function's ARN. Nothing else in a definition is touched, so the local
 * sandbox and AWS run one definition.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { ValidationError } from '#lib/errors';
import type { FunctionSpec } from './functions.ts';
import {
  serviceRole,
  STATE_MACHINE_NAMES,
  stateMachineArn,
  type CfnValue,
  type PolicyStatement,
} from './iam.ts';

export interface StateMachineSource {
  /** `notebookPatch`: the key in serverless.yml and in {@link STATE_MACHINE_NAMES} */
  key: keyof typeof STATE_MACHINE_NAMES;
  /** `statemachines/notebook-patch.asl.yaml` */
  file: string;
  /** `NotebookPatchStateMachine` */
  logicalId: string;
}

/** The logical id of a state machine's own role (`NotebookPatchStateMachineRole`). */
export const stateMachineRoleId = (machine: Pick<StateMachineSource, 'logicalId'>) =>
  `${machine.logicalId}Role`;

export const STATE_MACHINES: readonly StateMachineSource[] = [
  {
    key: 'notebookPatch',
    file: 'statemachines/notebook-patch.asl.yaml',
    logicalId: 'NotebookPatchStateMachine',
  },
  {
    key: 'endpointUpdate',
    file: 'statemachines/endpoint-update.asl.yaml',
    logicalId: 'EndpointUpdateStateMachine',
  },
];

const FUNCTION_REFERENCE = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

/**
 * Replaces every `${functionKey}` string in a definition by `Fn::GetAtt: [<LogicalId>, Arn]`; returns the
 * keys it replaced and those with no handler file. Any other `${…}` (or `#{…}`) is refused: the Framework
 * would read it as one of its variables.
 *
 * @example substituteFunctions({ Resource: '${notebookStop}' }, byKey, 'x.asl.yaml')
 *   // → { definition: { Resource: { 'Fn::GetAtt': ['NotebookStopLambdaFunction', 'Arn'] } }, functions: ['notebookStop'], missing: [] }
 */
export function substituteFunctions(
  definition: unknown,
  functions: ReadonlyMap<string, Pick<FunctionSpec, 'logicalId'>>,
  file: string,
): { definition: unknown; functions: string[]; missing: string[] } {
  const used = new Set<string>();
  const missing = new Set<string>();
  const issues: Array<{ field: string; message: string }> = [];
  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      const reference = FUNCTION_REFERENCE.exec(node)?.[1];
      if (reference !== undefined) {
        const spec = functions.get(reference);
        if (spec === undefined) {
          missing.add(reference);
          return node;
        }
        used.add(reference);
        return { 'Fn::GetAtt': [spec.logicalId, 'Arn'] };
      }
      // serverless-step-functions also rewrites `#{…}` into `${…}`.
      if (node.includes('${') || node.includes('#{'))
        issues.push({
          field: path,
          message: `got ${JSON.stringify(node)}, expected no "\${" or "#{" except a whole \${functionKey}`,
        });
      return node;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, `${path}[${i}]`));
    if (node !== null && typeof node === 'object')
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => [k, visit(v, path ? `${path}.${k}` : k)]),
      );
    return node;
  };
  const substituted = visit(definition, '');
  if (issues.length > 0) throw new ValidationError(issues, { resource: file });
  return { definition: substituted, functions: [...used].sort(), missing: [...missing].sort() };
}

/** An ASL file as data; YAML anchors (`&transient`) are expanded. */
export function readDefinition(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { maxAliasCount: -1 });
}

interface AslValidation {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}

/**
 * serverless-step-functions' own validator, run here on a copy: the plugin's `validate` runs it on the
 * definition it deploys, and it writes `QueryLanguage: JSONPath` into every state, so the deployed
 * definition would no longer be the ASL file.
 */
const validateAsl = createRequire(createRequire(import.meta.url).resolve('serverless-step-functions'))(
  'asl-validator',
) as (definition: unknown) => AslValidation;

/** Throws a {@link ValidationError} naming the file when the definition is not valid ASL. */
export function validateDefinition(definition: unknown, file: string): void {
  const { isValid, errorsText } = validateAsl(structuredClone(definition));
  if (!isValid)
    throw new ValidationError(
      [{ field: '(definition)', message: `${errorsText('; ')}; expected valid ASL` }],
      {
        resource: file,
      },
    );
}

/** Whether a definition runs a Map in distributed mode anywhere (its children are executions of the machine). */
export function hasDistributedMap(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasDistributedMap);
  if (node === null || typeof node !== 'object') return false;
  const processor = (node as { ItemProcessor?: { ProcessorConfig?: { Mode?: unknown } } }).ItemProcessor;
  if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') return true;
  return Object.values(node).some(hasDistributedMap);
}

/** X-Ray tracing of a state machine, which accepts no resource-level permissions. */
const STATE_MACHINE_TRACING = [
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

/**
 * The role a state machine runs as: invoke exactly the functions its definition names, trace, and — with a
 * distributed Map — run its own child executions. Those are named `execution:<machine>/<mapRunLabel>:<id>`,
 * which `execution:<machine>:*` does not match; Step Functions starts them with StartExecution on the
 * machine, describes and stops them, and redrives them when the parent is redriven ("IAM policies for using
 * Distributed Map states", AWS Step Functions developer guide).
 */
export function stateMachineRole(
  machine: Pick<StateMachineSource, 'key'>,
  definition: unknown,
  functions: ReadonlyArray<Pick<FunctionSpec, 'logicalId'>>,
) {
  const name = STATE_MACHINE_NAMES[machine.key];
  const executions = (pattern: string): CfnValue => ({
    'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${name}${pattern}`,
  });
  const statements: PolicyStatement[] = [
    {
      Sid: 'InvokeSteps',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: functions.flatMap(({ logicalId }) => {
        const arn = { 'Fn::GetAtt': [logicalId, 'Arn'] };
        // A Task may name a version or alias of the function too.
        return [arn, { 'Fn::Sub': ['${functionArn}:*', { functionArn: arn }] }];
      }),
    },
    { Sid: 'Tracing', Effect: 'Allow', Action: [...STATE_MACHINE_TRACING], Resource: '*' },
  ];
  if (hasDistributedMap(definition)) {
    statements.push(
      {
        Sid: 'StartMapRunChildren',
        Effect: 'Allow',
        Action: ['states:StartExecution'],
        Resource: [stateMachineArn(name)],
      },
      {
        Sid: 'ManageMapRunChildren',
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:RedriveExecution', 'states:StopExecution'],
        Resource: [executions(':*'), executions('/*')],
      },
    );
  }
  return serviceRole('states.amazonaws.com', 'steps', statements, true);
}
