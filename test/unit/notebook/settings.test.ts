import { describe, expect, it } from 'vitest';
import { desiredSettings, restoreChange, settingsChange } from '#lib/notebook/settings';
import { settingsRequestSchema } from '#lib/notebook/request';
import { toUpdateInput } from '#lib/aws/sagemaker/notebooks';

describe('notebook settings', () => {
  it('changes only what differs from the current settings', () => {
    const current = { rootAccess: 'Enabled', lifecycleConfigName: 'lc-v1', instanceType: 'ml.t3.medium' };
    expect(settingsChange(current, { rootAccess: 'Disabled', instanceType: 'ml.t3.medium' })).toEqual({
      rootAccess: 'Disabled',
    });
  });

  it('treats detaching the lifecycle configuration as a change to none', () => {
    const desired = desiredSettings({ disassociateLifecycleConfig: true });
    expect(settingsChange({ lifecycleConfigName: 'lc-v1' }, desired)).toEqual({ lifecycleConfigName: null });
    expect(settingsChange({ lifecycleConfigName: null }, desired)).toEqual({});
    expect(toUpdateInput('nb', { lifecycleConfigName: null })).toEqual({
      NotebookInstanceName: 'nb',
      DisassociateLifecycleConfig: true,
    });
  });

  it('restores everything but a grown volume, and says why the volume stays', () => {
    const { change, kept } = restoreChange(
      { lifecycleConfigName: 'lc-v1', volumeSizeInGB: 5 },
      { lifecycleConfigName: 'lc-v2', volumeSizeInGB: 50 },
    );
    expect(change).toEqual({ lifecycleConfigName: 'lc-v1' });
    expect(kept).toEqual(['volumeSizeInGB stays 50 (volumes cannot shrink)']);
  });

  it('maps every setting onto the UpdateNotebookInstance members', () => {
    expect(
      toUpdateInput('nb', {
        instanceType: 'ml.t3.large',
        lifecycleConfigName: 'lc-v2',
        rootAccess: 'Disabled',
        volumeSizeInGB: 20,
        minimumInstanceMetadataServiceVersion: '2',
        platformIdentifier: 'notebook-al2023-v1',
      }),
    ).toEqual({
      NotebookInstanceName: 'nb',
      InstanceType: 'ml.t3.large',
      LifecycleConfigName: 'lc-v2',
      RootAccess: 'Disabled',
      VolumeSizeInGB: 20,
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
      PlatformIdentifier: 'notebook-al2023-v1',
    });
  });

  it('refuses switching and detaching the lifecycle configuration at once', () => {
    const result = settingsRequestSchema.safeParse({
      lifecycleConfigName: 'lc-v2',
      disassociateLifecycleConfig: true,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['disassociateLifecycleConfig']);
  });
});
