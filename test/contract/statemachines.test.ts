import { existsSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { CYCLE_STEPS } from '#lib/notebook/cycle-steps';
import { WINDOW_TIMEOUT_SECONDS } from '#lib/notebook/selection';
import { loadDefinition } from '../../sandbox/executions.ts';
import { handlerFile, STATE_MACHINES } from '../../sandbox/lambda.ts';

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next: string; StringEquals?: string }>;
  Catch?: Array<{ Next: string }>;
  ItemProcessor?: { States: Record<string, State>; StartAt: string };
};

function statesOf(states: Record<string, State>): Array<[string, State, Record<string, State>]> {
  return Object.entries(states).flatMap(([name, s]) => [
    [name, s, states] as [string, State, Record<string, State>],
    ...(s.ItemProcessor ? statesOf(s.ItemProcessor.States) : []),
  ]);
}

describe.each(STATE_MACHINES)('%s.asl.yaml', (name) => {
  const { definition, tasks } = loadDefinition(name);

  it('is valid ASL for the interpreter', () => {
    expect(
      () => new StateMachine(definition as never, { validationOptions: { checkArn: false } }),
    ).not.toThrow();
  });

  it('names an existing handler in every Task', () => {
    for (const functionKey of tasks.values())
      expect(existsSync(handlerFile(functionKey)), functionKey).toBe(true);
  });

  it('points every transition at a state of its own scope', () => {
    for (const [stateName, state, scope] of statesOf(definition.States as Record<string, State>)) {
      const targets = [
        state.Next,
        state.Default,
        ...(state.Choices ?? []).map((c) => c.Next),
        ...(state.Catch ?? []).map((c) => c.Next),
      ];
      for (const target of targets.filter(Boolean))
        expect(scope[target!], `${stateName} → ${target}`).toBeDefined();
    }
  });
});

describe('notebook-patch', () => {
  const { definition } = loadDefinition('notebook-patch');
  const states = statesOf(definition.States as Record<string, State>);

  it('routes every `next` a cycle step returns to the state of that name: Wait, each step, and Done', () => {
    const route = states.find(([n]) => n === 'Route')![1];
    const routed = (route.Choices ?? []).map((c) => c.StringEquals);
    expect(new Set(routed)).toEqual(new Set(['Wait', ...Object.keys(CYCLE_STEPS)]));
    for (const choice of route.Choices ?? []) expect(choice.Next).toBe(choice.StringEquals);
    expect(route.Default).toBe('Done');
  });

  it('gives its cycles the time limit the selection plans with', () => {
    expect(definition.TimeoutSeconds).toBe(WINDOW_TIMEOUT_SECONDS);
  });

  it('reaches the report from every step that can fail, so every window reports', () => {
    for (const name of ['SelectTargets', 'Notebooks', 'NextRound'])
      expect(
        states.find(([n]) => n === name)![1].Catch?.map((c) => c.Next),
        name,
      ).toEqual(['Report']);
  });
});
