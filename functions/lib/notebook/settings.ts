import type { NotebookSettings } from '../aws/sagemaker/notebooks.ts';
import type { SettingsRequest } from './settings-schema.ts';

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
