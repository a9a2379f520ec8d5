import { describe, expect, it } from 'vitest';
import { exceedsTolerance, mapRunIdentity } from '../../../sandbox/stepfunctions/map-run.ts';
import { nameUuid } from '../../../sandbox/uuid.ts';

describe('the tolerated failure threshold', () => {
  // "Your Map Run fails if this value is exceeded … the total number of failed or timed out items divided by
  // the total number of items … If you specify both values, the workflow fails when it exceeds either value"
  // (AWS Step Functions Developer Guide, "Tolerated failure threshold for Distributed Map state").
  it.each([
    ['no tolerance set: any failure', 1, 10, undefined, undefined, true],
    ['no tolerance set, no failure', 0, 10, undefined, undefined, false],
    ['a count reached, not exceeded', 2, 10, 2, undefined, false],
    ['a count exceeded', 3, 10, 2, undefined, true],
    ['a percentage of all items reached', 1, 4, undefined, 25, false],
    ['a percentage of all items exceeded', 2, 4, undefined, 25, true],
    ['100% tolerates every failure', 4, 4, undefined, 100, false],
    ['both set: the count exceeded alone', 3, 100, 2, 50, true],
    ['both set: the percentage exceeded alone', 3, 4, 10, 50, true],
    ['both set, neither exceeded', 1, 4, 1, 25, false],
  ])('%s', (_case, failed, total, count, percentage, exceeded) => {
    expect(exceedsTolerance(failed, total, count, percentage)).toBe(exceeded);
  });
});

describe('Map Run names', () => {
  it('are version 3 UUIDs derived from their text, as AWS names Map Run children', () => {
    expect(nameUuid('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nameUuid('a')).toBe(nameUuid('a'));
    expect(nameUuid('a')).not.toBe(nameUuid('b'));
  });

  it('put the label after the state machine name, in the run, its children and their state machine', () => {
    // Prepare
    const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:caretaker-notebook-patch';
    const parent = 'arn:aws:states:us-east-1:123456789012:execution:caretaker-notebook-patch:run-1';

    // Act
    const run = mapRunIdentity(machine, parent, 'Notebooks', 'Cycles', 0);

    // Assess
    expect(run.mapRunArn).toMatch(
      /^arn:aws:states:us-east-1:123456789012:mapRun:caretaker-notebook-patch\/Cycles:[0-9a-f-]{36}$/,
    );
    expect(run.stateMachineArn).toBe(`${machine}/Cycles`);
    expect(run.child(4).arn).toBe(
      `arn:aws:states:us-east-1:123456789012:execution:caretaker-notebook-patch/Cycles:${run.child(4).name}`,
    );
    expect(run.child(4).name).not.toBe(run.child(5).name);
    expect(mapRunIdentity(machine, parent, 'Notebooks', 'Cycles', 1).child(4).name).not.toBe(
      run.child(4).name,
    );
    expect(mapRunIdentity(machine, parent, 'Notebooks', undefined, 0).label).toMatch(/^[0-9a-f-]{36}$/);
  });
});
