import { describe, expect, it } from 'vitest';
import {
  canonicalControlId,
  managedRuleName,
  remediationForConfigRule,
  remediationForControl,
} from '#lib/triggers/remediation';

describe('remediationForControl', () => {
  it('disables root access for SageMaker.3', () => {
    // Prepare
    const control = 'SageMaker.3';

    // Act
    const remediation = remediationForControl(control);

    // Assess
    expect(remediation).toEqual({
      kind: 'patch',
      control: 'SageMaker.3',
      settings: { rootAccess: 'Disabled' },
    });
  });

  it.each(['SageMaker.1', 'SageMaker.2', 'SageMaker.21'])(
    'reports %s as not remediable, saying why',
    (control) => {
      // Prepare
      const options = { targetPlatform: 'notebook-al2023-v1', restartFixes: [control] };

      // Act
      const remediation = remediationForControl(control, options);

      // Assess
      expect(remediation.kind).toBe('not-remediable');
      expect(remediation).toMatchObject({
        control,
        reason: expect.stringMatching(/fixed when the notebook is created/),
      });
    },
  );

  it('moves the notebook to the group target platform for SageMaker.8 when the group opted in', () => {
    // Prepare
    const options = { targetPlatform: 'notebook-al2023-v1' };

    // Act
    const remediation = remediationForControl('SageMaker.8', options);

    // Assess
    expect(remediation).toEqual({
      kind: 'patch',
      control: 'SageMaker.8',
      settings: { platformIdentifier: 'notebook-al2023-v1' },
    });
  });

  it('reports SageMaker.8 as not remediable when the group did not opt in', () => {
    // Prepare
    const options = {};

    // Act
    const remediation = remediationForControl('SageMaker.8', options);

    // Assess
    expect(remediation).toMatchObject({
      kind: 'not-remediable',
      reason: expect.stringMatching(/not opted in/),
    });
  });

  it('restarts the notebook for a control a restart fixes', () => {
    // Prepare
    const options = { restartFixes: ['custom-notebook-platform-release'] };

    // Act
    const remediation = remediationForControl('custom-notebook-platform-release', options);

    // Assess
    expect(remediation).toEqual({ kind: 'patch', control: 'custom-notebook-platform-release', settings: {} });
  });

  it('reports an unknown control as not remediable', () => {
    // Prepare
    const control = 'S3.1';

    // Act
    const remediation = remediationForControl(control);

    // Assess
    expect(remediation).toEqual({
      kind: 'not-remediable',
      control: 'S3.1',
      reason: 'unknown control "S3.1"',
    });
  });

  it('reads a control id from any of the forms findings use', () => {
    // Prepare
    const forms = [
      'SageMaker.3',
      'sagemaker.3',
      'PCI.SageMaker.3',
      'security-control/SageMaker.3',
      'aws-foundational-security-best-practices/v/1.0.0/SageMaker.3',
    ];

    // Act
    const ids = forms.map(canonicalControlId);

    // Assess
    expect(new Set(ids)).toEqual(new Set(['SageMaker.3']));
  });
});

describe('remediationForConfigRule', () => {
  it('finds the managed rule behind Security Hub, conformance-pack and plain rule names', () => {
    // Prepare
    const names = [
      'securityhub-sagemaker-notebook-instance-root-access-check-6f2a9c1d',
      'sagemaker-notebook-instance-root-access-check-conformance-pack-qayjyopmd',
      'sagemaker-notebook-instance-root-access-check',
    ];

    // Act
    const rules = names.map(managedRuleName);

    // Assess
    expect(rules).toEqual(Array(3).fill('sagemaker-notebook-instance-root-access-check'));
    expect(managedRuleName('my-own-rule')).toBeUndefined();
  });

  it('disables root access for the root-access rule', () => {
    // Prepare
    const rule = 'securityhub-sagemaker-notebook-instance-root-access-check-6f2a9c1d';

    // Act
    const remediation = remediationForConfigRule(rule);

    // Assess
    expect(remediation).toEqual({
      kind: 'patch',
      control: 'sagemaker-notebook-instance-root-access-check',
      settings: { rootAccess: 'Disabled' },
    });
  });

  it.each([
    'securityhub-sagemaker-notebook-no-direct-internet-access-676195e7',
    'securityhub-sagemaker-notebook-instance-inside-vpc-2c79afca',
    'sagemaker-notebook-instance-kms-key-configured',
  ])('reports %s as not remediable', (rule) => {
    // Prepare
    const options = { targetPlatform: 'notebook-al2023-v1' };

    // Act
    const remediation = remediationForConfigRule(rule, options);

    // Assess
    expect(remediation.kind).toBe('not-remediable');
  });

  it('treats the platform-version rule like SageMaker.8', () => {
    // Prepare
    const rule = 'securityhub-sagemaker-notebook-instance-platform-version-365646ec';

    // Act
    const optedIn = remediationForConfigRule(rule, { targetPlatform: 'notebook-al2023-v1' });
    const notOptedIn = remediationForConfigRule(rule);

    // Assess
    expect(optedIn).toMatchObject({ kind: 'patch', settings: { platformIdentifier: 'notebook-al2023-v1' } });
    expect(notOptedIn.kind).toBe('not-remediable');
  });

  it('reports an unknown rule as not remediable unless a restart fixes it', () => {
    // Prepare
    const rule = 'team-notebook-restarted-recently';

    // Act
    const unknown = remediationForConfigRule(rule);
    const restart = remediationForConfigRule(rule, { restartFixes: [rule] });

    // Assess
    expect(unknown).toMatchObject({ kind: 'not-remediable', reason: `unknown control "${rule}"` });
    expect(restart).toEqual({ kind: 'patch', control: rule, settings: {} });
  });
});
