import { z } from 'zod';

/** The settings caretaker can change on a stopped notebook, in the API's terms. */
export interface NotebookSettings {
  instanceType?: string | undefined;
  /** `null` = no lifecycle configuration attached. */
  lifecycleConfigName?: string | null | undefined;
  rootAccess?: string | undefined;
  volumeSizeInGB?: number | undefined;
  minimumInstanceMetadataServiceVersion?: string | undefined;
  platformIdentifier?: string | undefined;
}

export const settingsRequestSchema = z
  .strictObject({
    lifecycleConfigName: z
      .string()
      .regex(
        /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
        'expected a lifecycle configuration name (letters, digits, hyphens)',
      )
      .max(63)
      .optional(),
    disassociateLifecycleConfig: z
      .literal(true, 'expected true (detach the lifecycle configuration)')
      .optional(),
    instanceType: z
      .string()
      .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'expected a notebook instance type such as ml.t3.medium')
      .optional(),
    rootAccess: z.enum(['Enabled', 'Disabled'], 'expected Enabled or Disabled').optional(),
    volumeSizeInGB: z.int('expected a whole number of GB').min(5).max(16384).optional(),
    minimumInstanceMetadataServiceVersion: z.enum(['1', '2'], 'expected "1" or "2"').optional(),
    platformIdentifier: z
      .string()
      .regex(/^notebook-al[0-9]+-v[0-9]+$/, 'expected a platform identifier such as notebook-al2023-v1')
      .optional(),
  })
  .refine((s) => !(s.lifecycleConfigName && s.disassociateLifecycleConfig), {
    path: ['disassociateLifecycleConfig'],
    message: 'cannot both set lifecycleConfigName and detach the lifecycle configuration',
  });

export type SettingsRequest = z.output<typeof settingsRequestSchema>;

/** The requested settings expressed as target values (detach = lifecycle config `null`). */
export function desiredSettings(request: SettingsRequest): NotebookSettings {
  const desired: NotebookSettings = {};
  if (request.instanceType !== undefined) desired.instanceType = request.instanceType;
  if (request.lifecycleConfigName !== undefined) desired.lifecycleConfigName = request.lifecycleConfigName;
  if (request.disassociateLifecycleConfig) desired.lifecycleConfigName = null;
  if (request.rootAccess !== undefined) desired.rootAccess = request.rootAccess;
  if (request.volumeSizeInGB !== undefined) desired.volumeSizeInGB = request.volumeSizeInGB;
  if (request.minimumInstanceMetadataServiceVersion !== undefined)
    desired.minimumInstanceMetadataServiceVersion = request.minimumInstanceMetadataServiceVersion;
  if (request.platformIdentifier !== undefined) desired.platformIdentifier = request.platformIdentifier;
  return desired;
}

const KEYS = [
  'instanceType',
  'lifecycleConfigName',
  'rootAccess',
  'volumeSizeInGB',
  'minimumInstanceMetadataServiceVersion',
  'platformIdentifier',
] as const;

/**
 * What must change to go from `current` to `target` (only the members that differ and that `target` sets).
 *
 * @example settingsChange({ rootAccess: 'Enabled', instanceType: 'ml.t3.medium' }, { rootAccess: 'Disabled' })
 *   // → { rootAccess: 'Disabled' }
 */
export function settingsChange(current: NotebookSettings, target: NotebookSettings): NotebookSettings {
  const change: NotebookSettings = {};
  for (const key of KEYS) {
    if (!(key in target) || target[key] === undefined) continue;
    if ((current[key] ?? null) !== (target[key] ?? null))
      (change as Record<string, unknown>)[key] = target[key];
  }
  return change;
}

/**
 * The change that puts a notebook back to its snapshot. A volume can only grow, so a grown volume stays as
 * it is (reported in `kept`), never a request SageMaker would refuse.
 */
export function restoreChange(
  snapshot: NotebookSettings,
  current: NotebookSettings,
): { change: NotebookSettings; kept: string[] } {
  const change = settingsChange(current, snapshot);
  const kept: string[] = [];
  if (change.volumeSizeInGB !== undefined && (current.volumeSizeInGB ?? 0) > change.volumeSizeInGB) {
    kept.push(`volumeSizeInGB stays ${current.volumeSizeInGB} (volumes cannot shrink)`);
    delete change.volumeSizeInGB;
  }
  return { change, kept };
}

export const isEmptyChange = (change: NotebookSettings) => Object.keys(change).length === 0;
