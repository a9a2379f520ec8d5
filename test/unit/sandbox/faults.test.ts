import { describe, expect, it } from 'vitest';
import { FaultInjector, faultAnswer, unitInterval } from '../../../sandbox/emulator/faults.ts';
import { parseFleet } from '../../../sandbox/fleet.ts';

/** The injector for the `faults:` section of a fleet file (YAML flow mapping). */
const injector = (faults: string) => new FaultInjector(parseFleet(`faults: ${faults}`, 'faults.yml').faults);

const outcomes = (
  faults: FaultInjector,
  service: string,
  operation: string,
  resources: string[],
  rounds = 1,
) =>
  resources.flatMap((r) =>
    Array.from({ length: rounds }, () => `${r}:${faults.decide(service, operation, r) ?? 'ok'}`),
  );

const NOTEBOOKS = Array.from({ length: 50 }, (_, i) => `nb-${i}`);

describe('deterministic fault injection', () => {
  it('gives the same outcomes for the same seed, service, operation, resource and call number', () => {
    // Prepare
    const faults =
      '{ throttle: { DescribeNotebookInstance: 0.3 }, lostResponses: { DescribeNotebookInstance: 0.3 } }';

    // Act
    const first = outcomes(injector(faults), 'sagemaker', 'DescribeNotebookInstance', NOTEBOOKS, 3);
    const second = outcomes(injector(faults), 'sagemaker', 'DescribeNotebookInstance', NOTEBOOKS, 3);

    // Assess
    expect(second).toEqual(first);
    expect(first.some((o) => o.endsWith(':throttle'))).toBe(true);
    expect(first.some((o) => o.endsWith(':lost'))).toBe(true);
  });

  it('does not let callers on other resources change a resource’s outcomes', () => {
    // Prepare
    const alone = injector('{ throttle: { StopNotebookInstance: 0.5 } }');
    const crowded = injector('{ throttle: { StopNotebookInstance: 0.5 } }');

    // Act
    const solo = Array.from({ length: 10 }, () => alone.decide('sagemaker', 'StopNotebookInstance', 'nb-1'));
    const interleaved = Array.from({ length: 10 }, (_, i) => {
      crowded.decide('sagemaker', 'StopNotebookInstance', `other-${i}`);
      return crowded.decide('sagemaker', 'StopNotebookInstance', 'nb-1');
    });

    // Assess
    expect(interleaved).toEqual(solo);
  });

  it('faults about the configured share of calls, and never an operation it does not name', () => {
    // Prepare
    const faults = injector(
      '{ throttle: { ListTags: 0.3 }, serverErrors: { StartNotebookInstance: 0.1 }, lostResponses: { StopNotebookInstance: 0.2 } }',
    );
    const resources = Array.from({ length: 10_000 }, (_, i) => `arn:nb-${i}`);
    const share = (operation: string, fault: string) =>
      resources.filter((r) => faults.decide('sagemaker', operation, r) === fault).length / resources.length;

    // Act
    const throttled = share('ListTags', 'throttle');
    const failed = share('StartNotebookInstance', 'serverError');
    const lost = share('StopNotebookInstance', 'lost');
    const untouched = resources.filter((r) =>
      faults.decide('sagemaker', 'DescribeNotebookInstance', r),
    ).length;

    // Assess
    expect(throttled).toBeGreaterThan(0.27);
    expect(throttled).toBeLessThan(0.33);
    expect(failed).toBeGreaterThan(0.08);
    expect(failed).toBeLessThan(0.12);
    expect(lost).toBeGreaterThan(0.17);
    expect(lost).toBeLessThan(0.23);
    expect(untouched).toBe(0);
  });

  it('applies the top-level shares to SageMaker and CloudWatch, and each service section to its own service', () => {
    // Prepare
    const faults = injector(
      '{ throttle: { DescribeAlarms: 1 }, dynamodb: { throttle: { UpdateItem: 1 } }, eventbridge: { serverErrors: { PutEvents: 1 } } }',
    );

    // Act
    const decided = [
      faults.decide('cloudwatch', 'DescribeAlarms', 'ep-1-5xx'),
      faults.decide('dynamodb', 'UpdateItem', 'caretaker-ledger/window#r-1'),
      faults.decide('eventbridge', 'PutEvents', 'caretaker'),
      faults.decide('sagemaker', 'UpdateItem', 'x'),
      faults.decide('states', 'StartExecution', 'x'),
    ];

    // Assess
    expect(decided).toEqual(['throttle', 'throttle', 'serverError', undefined, undefined]);
  });

  it('always faults at share 1 and changes its pattern with the seed', () => {
    // Prepare
    const stop = (seed: number) =>
      injector(`{ seed: ${seed}, lostResponses: { StopNotebookInstance: 0.5 } }`);

    // Act
    const always = outcomes(
      injector('{ lostResponses: { StopNotebookInstance: 1 } }'),
      'sagemaker',
      'StopNotebookInstance',
      NOTEBOOKS,
    );
    const seed1 = outcomes(stop(1), 'sagemaker', 'StopNotebookInstance', NOTEBOOKS);
    const seed2 = outcomes(stop(2), 'sagemaker', 'StopNotebookInstance', NOTEBOOKS);

    // Assess
    expect(always.every((o) => o.endsWith(':lost'))).toBe(true);
    expect(seed2).not.toEqual(seed1);
  });

  it('answers each fault in its service’s words, a lost response as that service’s 500', () => {
    // Act
    const answers = (['sagemaker', 'cloudwatch', 'dynamodb', 'eventbridge'] as const).map((service) =>
      (['throttle', 'serverError', 'lost'] as const).map((fault) => {
        const { statusCode, type } = faultAnswer(service, fault);
        return `${statusCode} ${type}`;
      }),
    );

    // Assess
    expect(answers).toEqual([
      ['400 ThrottlingException', '500 InternalFailure', '500 InternalFailure'],
      ['400 Throttling', '500 InternalFailure', '500 InternalFailure'],
      ['400 ThrottlingException', '500 InternalServerError', '500 InternalServerError'],
      ['400 ThrottlingException', '500 InternalException', '500 InternalException'],
    ]);
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
