import { describe, expect, it } from 'vitest';
import type { SandboxResult } from '../../../sandbox/runner.ts';
import { executionResult, summarize } from '../../../sandbox/summary.ts';

const term = { tty: false, colour: false, width: 100, zone: 'UTC' };
const FAILURE =
  "Notebook Instance Lifecycle Config 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance-lifecycle-config/lc-v2' for Notebook Instance 'arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/vision-nb' took longer than 5 minutes.";
const stats = {
  transitions: 1,
  lambdaInvocations: 1,
  sagemakerCalls: {},
  virtualSeconds: 1380,
  maxNotebooksDown: 4,
  largestPayloadBytes: 1,
};

const result: SandboxResult = {
  executions: [
    {
      stateMachine: 'notebook-patch',
      name: 'request-1',
      trigger: { source: 'caretaker.requests', detailType: 'Notebook Patch Requested' },
      status: 'SUCCEEDED',
      output: {
        outcome: 'reported',
        counts: { patched: 1, 'rolled-back': 1 },
        total: 2,
        notebooks: [
          { name: 'fraud-nb', outcome: 'patched', reason: 'restarted' },
          {
            name: 'vision-nb',
            outcome: 'rolled-back',
            reason: 'start failed with the new settings; restored lifecycleConfigName',
            failureReason: FAILURE,
            lifecycleLog: '/aws/sagemaker/NotebookInstances/vision-nb/LifecycleConfigOnStart',
          },
        ],
      },
      stats,
    },
    {
      stateMachine: 'endpoint-update',
      name: 'update-2',
      trigger: { source: 'caretaker.requests', detailType: 'Endpoint Update Requested' },
      status: 'SUCCEEDED',
      output: {
        outcome: 'auto-rolled-back',
        reason: 'alarm caretaker-fraud-5xx is ALARM',
        endpointName: 'fraud-scoring',
        liveEndpointConfigName: 'fraud-v1',
      },
      stats,
    },
  ],
  ignoredEvents: [],
  maxNotebooksDown: 4,
  rejectedEvents: [],
  fleet: { notebooks: [], endpoints: [], endpointConfigs: [], alarms: [] },
  events: [],
};

describe('the summary of a run', () => {
  const text = summarize(result, term);

  it('opens with what needs someone: the whole FailureReason and the lifecycle log stream', () => {
    expect(text.startsWith('Needs you')).toBe(true);
    const needs = text.slice(0, text.indexOf('\nRuns'));
    expect(needs.replace(/\s+/g, ' ')).toContain(FAILURE);
    expect(needs).toContain(
      'lifecycle log: /aws/sagemaker/NotebookInstances/vision-nb/LifecycleConfigOnStart',
    );
    expect(needs).toContain('fraud-scoring: auto-rolled-back');
    expect(needs).not.toContain('fraud-nb');
  });

  it('says what happened to the endpoint, not the execution’s SUCCEEDED beside a rollback', () => {
    expect(text).not.toContain('SUCCEEDED');
    expect(executionResult(result.executions[1]!)).toEqual({
      text: 'rolled back by SageMaker: fraud-scoring stays on fraud-v1',
      style: 'red',
    });
  });

  it('fits 100 columns', () => {
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('says an execution that did not succeed first', () => {
    const failed = {
      ...result.executions[0]!,
      status: 'TIMED_OUT',
      error: { error: 'States.Timeout', cause: '' },
    };
    expect(executionResult(failed).text).toMatch(/^execution TIMED_OUT \(States.Timeout\); 2 notebooks/);
  });

  it("lists a dry run's plan with each change before → after", () => {
    const dry = {
      ...result,
      executions: [
        {
          ...result.executions[0]!,
          output: {
            dryRun: true,
            outcome: 'reported',
            total: 1,
            notebooks: [],
            plan: [
              {
                name: 'nb-1',
                status: 'InService',
                action: 'cycle',
                stops: true,
                fits: true,
                changes: [{ setting: 'rootAccess', before: 'Enabled', after: 'Disabled' }],
                reason: 'would be stopped, changed while stopped, started and verified',
              },
            ],
          },
        },
      ],
    } satisfies SandboxResult;
    const plan = summarize(dry, term);
    expect(plan).toContain('dry run: 1 notebook planned, 1 would be stopped; nothing changed');
    expect(plan).toMatch(/nb-1\s+InService\s+restart\s+rootAccess: Enabled → Disabled/);
  });
});
