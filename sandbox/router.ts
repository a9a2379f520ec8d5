import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TriggerResult } from '#lib/triggers/result';
import { firstMismatch, matches } from './event-pattern.ts';
import { triggerCaller, type LambdaInvocationError, type LambdaRuntime } from './lambda.ts';

const EVENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'events');

interface Rule {
  name: string;
  pattern: Record<string, unknown>;
  target: string;
}

export interface Delivery {
  summary: string;
  ignored?: string;
  rejected?: Array<{ field: string; message: string }>;
}

type RoutedEvent = { source: string; 'detail-type': string; id?: string; [key: string]: unknown };

/** EventBridge for the sandbox: the rules of `events/rules.json`, their real patterns, their real targets. */
export class Router {
  private constructor(
    readonly rules: Rule[],
    private readonly lambdas: LambdaRuntime,
  ) {}

  /** The rules, invoking their targets through `lambdas` (asynchronously, as EventBridge does). */
  static async load(lambdas: LambdaRuntime): Promise<Router> {
    const list = JSON.parse(await readFile(path.join(EVENTS_DIR, 'rules.json'), 'utf8')) as Array<{
      name: string;
      pattern: string;
      target: string;
    }>;
    const rules = await Promise.all(
      list.map(async (r) => ({
        name: r.name,
        target: r.target,
        pattern: JSON.parse(await readFile(path.join(EVENTS_DIR, r.pattern), 'utf8')) as Record<
          string,
          unknown
        >,
      })),
    );
    return new Router(rules, lambdas);
  }

  matching(event: RoutedEvent): Rule[] {
    return this.rules.filter((rule) => matches(rule.pattern, event));
  }

  /** The reason an event matched no rule, from the rules meant for its kind of event (same source and type). */
  whyNot(event: RoutedEvent): string {
    const meantFor = this.rules.filter((rule) =>
      matches({ source: rule.pattern.source, 'detail-type': rule.pattern['detail-type'] }, event),
    );
    if (meantFor.length === 0) return `no rule takes events of ${describe(event)}`;
    return meantFor.map((rule) => `rule ${rule.name}: ${firstMismatch(rule.pattern, event)}`).join('; ');
  }

  /** Delivers one event to every rule it matches and says what came of it. */
  async deliver(event: RoutedEvent, origin?: { index: number }): Promise<Delivery> {
    const rules = this.matching(event);
    if (rules.length === 0) {
      // Only the run's input events are reported; the many AWS events on the bus need no explanation.
      const reason = origin ? this.whyNot(event) : 'matched no rule';
      return { summary: `ignored: ${reason}`, ignored: reason };
    }
    const trigger = { source: event.source, detailType: event['detail-type'], index: origin?.index ?? -1 };
    const caller = triggerCaller(trigger, event.id);
    const results: TriggerResult[] = [];
    for (const rule of rules) {
      try {
        results.push(
          (await this.lambdas.invokeAsync(rule.target, event, { caller, trigger })) as TriggerResult,
        );
      } catch (err) {
        // Lambda has given up on the event (its retries are spent): the sandbox reports it as refused.
        const e = err as LambdaInvocationError;
        const original = e.original as { issues?: Array<{ field: string; message: string }> } | undefined;
        return {
          summary: `refused by ${rule.target}`,
          rejected: original?.issues ?? [{ field: rule.target, message: `${e.name}: ${e.message}` }],
        };
      }
    }
    const rejected = results.flatMap((r) => r?.rejected ?? []);
    if (rejected.length > 0) return { summary: `rejected (${rejected.length} problem(s))`, rejected };
    const started = results.flatMap((r) => r?.started ?? []);
    const duplicates = results.flatMap((r) => r?.duplicates ?? []);
    const ignored = results.map((r) => r?.ignored).filter((r): r is string => Boolean(r));
    if (started.length === 0 && duplicates.length === 0 && ignored.length > 0) {
      return { summary: `ignored: ${ignored.join('; ')}`, ignored: ignored.join('; ') };
    }
    const parts = [
      started.length ? `started ${started.join(', ')}` : '',
      duplicates.length ? `already running or done: ${duplicates.join(', ')}` : '',
      ignored.length ? `ignored: ${ignored.join('; ')}` : '',
    ].filter(Boolean);
    return { summary: parts.join('; ') || 'delivered' };
  }
}

function describe(event: RoutedEvent): string {
  return `source ${JSON.stringify(event.source)}, detail-type ${JSON.stringify(event['detail-type'])}`;
}
