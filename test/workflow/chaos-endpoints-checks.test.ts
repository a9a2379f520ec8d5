import { beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRun } from '../../sandbox/runner.ts';
import { ALL_AT_ONCE, alarmLine, at, endpointFleet, updateRequested } from '../support/endpoints.ts';
import {
  badConfigLive,
  deletedInUse,
  endpointGuarantees,
  misreported,
  overlappingDeployments,
  unreported,
} from '../support/invariants.ts';
import { runFleet } from '../support/sandbox.ts';

/**
 * The endpoint checks of the chaos suite see what they guard against: one real run (a deployment whose bake
 * alarms at 400 s and is rolled back), then copies of it with one thing made wrong each — a deletion, a
 * report, a second deployer — that exactly the check for it must flag.
 */
let run: SandboxRun;
const NAME = 'update-checks';
const second = (s: number) => run.start + s * 1000;

beforeAll(async () => {
  const fleet = endpointFleet({ alarms: [alarmLine('ep-1', ', flips: [{ atSeconds: 400, state: ALARM }]')] });
  run = await runFleet(fleet, [updateRequested({ deployment: ALL_AT_ONCE }, at(0), 'checks')]);
});

/** A copy of the run to make one thing wrong in; the ledger (a live table with methods) is shared, not copied. */
function copyOf(original: SandboxRun): SandboxRun {
  const { ledger, ...data } = original;
  return { ...structuredClone(data), ledger };
}

/** The run with its journal extended by calls the emulator never received. */
function withCalls(...calls: Array<Partial<SandboxRun['journal'][number]>>): SandboxRun {
  const copy = copyOf(run);
  const journal = [
    ...copy.journal,
    ...calls.map((c) => ({
      service: 'sagemaker',
      outcome: 'ok',
      caller: undefined,
      at: 0,
      operation: '',
      resource: '',
      ...c,
    })),
  ];
  return { ...copy, journal: journal.sort((a, b) => a.at - b.at) };
}

/** The run with its execution's output and Completed event saying `outcome`. */
function reporting(outcome: string): SandboxRun {
  const copy = copyOf(run);
  (copy.result.executions[0]!.output as { outcome: string }).outcome = outcome;
  for (const event of [...copy.result.events, ...copy.emitted])
    if (event['detail-type'] === 'Endpoint Update Completed')
      (event.detail as { outcome: string }).outcome = outcome;
  return copy;
}

describe('the endpoint checks of the chaos suite', () => {
  it('pass the run as it happened: rolled back, reported, nothing deleted', () => {
    expect((run.result.executions[0]!.output as { outcome: string }).outcome).toBe('rolled-back');
    expect(endpointGuarantees(run)).toEqual([]);
  });

  it('flag a deletion of the live configuration and of the rollback target during the bake', () => {
    // Act
    const violations = deletedInUse(
      withCalls(
        { at: second(300), operation: 'DeleteEndpointConfig', resource: 'cfg-v2' },
        { at: second(310), operation: 'DeleteEndpointConfig', resource: 'cfg-v1' },
      ),
    );
    // Assess
    expect(violations).toEqual([
      'cfg-v2 was deleted at +300 s while ep-1 used it',
      `cfg-v1 was deleted at +310 s, the rollback target of ${NAME}'s deployment on ep-1`,
    ]);
  });

  it('flag a report of success while the new configuration served in ALARM', () => {
    expect(badConfigLive(reporting('succeeded'))).toEqual([
      expect.stringMatching(
        /^update-checks: cfg-v2 served ep-1 in ALARM at \+400 s, but the report says succeeded/,
      ),
      expect.stringMatching(/but the report says succeeded/),
    ]);
  });

  it('flag a second deployer that updates the endpoint while the first execution still runs', () => {
    // Prepare
    const other = {
      arn: `${run.records[0]!.arn}-other`,
      name: 'other',
      stateMachine: 'endpoint-update',
      input: { endpointName: 'ep-1' },
      startedAt: second(200),
      stoppedAt: second(900),
    };
    const copy = withCalls({
      at: second(250),
      operation: 'UpdateEndpoint',
      resource: 'ep-1',
      caller: other.arn,
    });
    // Act
    const violations = overlappingDeployments({ ...copy, records: [...copy.records, other] });
    // Assess
    expect(violations).toEqual([
      `ep-1: other updated it at +250 s while ${NAME} was still running`,
      `ep-1: ${NAME} updated it again after other had`,
    ]);
  });

  it('flag an execution that sent no Completed event', () => {
    const copy = copyOf(run);
    copy.result.events = copy.result.events.filter((e) => e['detail-type'] !== 'Endpoint Update Completed');
    expect(unreported(copy)).toEqual([`${NAME} (SUCCEEDED) sent no Endpoint Update Completed`]);
  });

  it('flag an outcome that says other than the endpoint showed', () => {
    expect(misreported(reporting('rejected'))).toEqual([
      `${NAME} reported rejected, but its UpdateEndpoint took effect`,
      `${NAME} reported rejected, but its UpdateEndpoint took effect`,
    ]);
    expect(misreported(reporting('succeeded'))).toHaveLength(2);
  });
});
