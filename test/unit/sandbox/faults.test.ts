import { describe, expect, it } from 'vitest';
import { FaultInjector, unitInterval } from '../../../sandbox/emulator/faults.ts';

const injector = (throttle: Record<string, number>, serverErrors: Record<string, number> = {}, seed = 0) =>
  new FaultInjector({ throttle, serverErrors, seed });

const outcomes = (faults: FaultInjector, operation: string, resources: string[], rounds = 1) =>
  resources.flatMap((r) =>
    Array.from({ length: rounds }, () => `${r}:${faults.decide(operation, r) ?? 'ok'}`),
  );

describe('deterministic fault injection', () => {
  it('gives the same outcomes for the same seed, operation, resource and call number', () => {
    // Prepare
    const resources = Array.from({ length: 50 }, (_, i) => `nb-${i}`);

    // Act
    const first = outcomes(
      injector({ DescribeNotebookInstance: 0.3 }),
      'DescribeNotebookInstance',
      resources,
      3,
    );
    const second = outcomes(
      injector({ DescribeNotebookInstance: 0.3 }),
      'DescribeNotebookInstance',
      resources,
      3,
    );

    // Assess
    expect(second).toEqual(first);
    expect(first.some((o) => o.endsWith(':throttle'))).toBe(true);
  });

  it('does not let callers on other resources change a resource’s outcomes', () => {
    // Prepare
    const alone = injector({ StopNotebookInstance: 0.5 });
    const crowded = injector({ StopNotebookInstance: 0.5 });

    // Act
    const solo = Array.from({ length: 10 }, () => alone.decide('StopNotebookInstance', 'nb-1'));
    const interleaved = Array.from({ length: 10 }, (_, i) => {
      crowded.decide('StopNotebookInstance', `other-${i}`);
      return crowded.decide('StopNotebookInstance', 'nb-1');
    });

    // Assess
    expect(interleaved).toEqual(solo);
  });

  it('faults about the configured share of calls, and never an operation it does not name', () => {
    // Prepare
    const faults = injector({ ListTags: 0.3 }, { StartNotebookInstance: 0.1 });
    const resources = Array.from({ length: 10_000 }, (_, i) => `arn:nb-${i}`);

    // Act
    const throttled = resources.filter((r) => faults.decide('ListTags', r) === 'throttle').length;
    const failed = resources.filter(
      (r) => faults.decide('StartNotebookInstance', r) === 'serverError',
    ).length;
    const untouched = resources.filter(
      (r) => faults.decide('DescribeNotebookInstance', r) !== undefined,
    ).length;

    // Assess
    expect(throttled / resources.length).toBeGreaterThan(0.27);
    expect(throttled / resources.length).toBeLessThan(0.33);
    expect(failed / resources.length).toBeGreaterThan(0.08);
    expect(failed / resources.length).toBeLessThan(0.12);
    expect(untouched).toBe(0);
  });

  it('always faults at share 1 and changes its pattern with the seed', () => {
    // Prepare
    const resources = Array.from({ length: 40 }, (_, i) => `nb-${i}`);

    // Act
    const always = outcomes(injector({ StopNotebookInstance: 1 }), 'StopNotebookInstance', resources);
    const seed1 = outcomes(injector({ StopNotebookInstance: 0.5 }, {}, 1), 'StopNotebookInstance', resources);
    const seed2 = outcomes(injector({ StopNotebookInstance: 0.5 }, {}, 2), 'StopNotebookInstance', resources);

    // Assess
    expect(always.every((o) => o.endsWith(':throttle'))).toBe(true);
    expect(seed2).not.toEqual(seed1);
  });

  it('maps text into [0, 1)', () => {
    // Prepare
    const texts = Array.from({ length: 1000 }, (_, i) => `t${i}`);

    // Act
    const values = texts.map(unitInterval);

    // Assess
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(new Set(values).size).toBe(1000);
  });
});
