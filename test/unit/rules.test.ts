import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matches, validatePattern } from '#sandbox/event-pattern';

interface Rule {
  name: string;
  pattern: string;
  target: string;
}

const eventsDir = join(import.meta.dirname, '../../events');
const rules = JSON.parse(readFileSync(join(eventsDir, 'rules.json'), 'utf8')) as Rule[];
const patternOf = (rule: Rule): unknown => JSON.parse(readFileSync(join(eventsDir, rule.pattern), 'utf8'));
const sample = (file: string): unknown => JSON.parse(readFileSync(join(eventsDir, 'samples', file), 'utf8'));
const matchingRules = (event: unknown) =>
  rules.filter((rule) => matches(patternOf(rule), event)).map((r) => r.name);

/** Which rules each sample must trigger; an empty list means "none may". */
const expected: Record<string, string[]> = {
  'alarm-caretaker-ep-1-5xx.json': ['alarm-state-change'],
  'alarm-caretaker-ep-1-5xx-ok.json': [],
  'alarm-not-caretaker.json': [],
  'config-root-access-compliant.json': [],
  'config-root-access-noncompliant.json': ['config-notebook-noncompliant'],
  'endpoint-update-requested.json': ['endpoint-update-requested'],
  'notebook-patch-requested.json': ['notebook-patch-requested'],
  'securityhub-sagemaker1-direct-internet.json': ['securityhub-notebook-finding'],
  'securityhub-sagemaker3-archived.json': [],
  'securityhub-sagemaker3-consolidated.json': ['securityhub-notebook-finding'],
  'stepfunctions-notebook-patch-timed-out.json': ['notebook-patch-ended'],
  'stepfunctions-endpoint-update-failed.json': ['endpoint-update-ended'],
  'securityhub-sagemaker3-passed.json': [],
  'securityhub-sagemaker3-per-standard.json': ['securityhub-notebook-finding'],
  'securityhub-sagemaker8-consolidated.json': ['securityhub-notebook-finding'],
};

describe('events/rules.json', () => {
  it('lists valid EventBridge patterns with a known target each', () => {
    // Prepare
    const targets = new Set([
      'triggersFromRequest',
      'triggersFromFinding',
      'triggersFromConfig',
      'triggersQueueFinding',
      'triggersOpenWindow',
      'endpointAlarmFired',
      'notebookReport',
      'endpointFinalize',
    ]);

    // Act
    const validate = () => rules.forEach((rule) => validatePattern(patternOf(rule)));

    // Assess
    expect(validate).not.toThrow();
    expect(rules.map((r) => r.target).every((t) => targets.has(t))).toBe(true);
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
  });

  it('classifies every sample event in events/samples', () => {
    // Prepare
    const files = readdirSync(join(eventsDir, 'samples')).filter((f) => f.endsWith('.json'));

    // Act
    const unclassified = files.filter((f) => !(f in expected));

    // Assess
    expect(unclassified).toEqual([]);
    expect(Object.keys(expected).sort()).toEqual(files.sort());
  });

  it.each(Object.entries(expected))('routes %s to exactly %j', (file, rulesExpected) => {
    // Prepare
    const event = sample(file);

    // Act
    const matched = matchingRules(event);

    // Assess
    expect(matched).toEqual(rulesExpected);
  });

  it('names the documented source of every sample in SOURCES.md', () => {
    // Prepare
    const sources = readFileSync(join(eventsDir, 'samples', 'SOURCES.md'), 'utf8');

    // Act
    const missing = Object.keys(expected).filter((file) => !sources.includes(`- ${file}: `));

    // Assess
    expect(missing).toEqual([]);
  });
});

describe('alarm rule', () => {
  it('never fires for an alarm whose name merely contains the caretaker prefix', () => {
    // Prepare
    const event = sample('alarm-caretaker-ep-1-5xx.json') as { detail: { alarmName: string } };
    event.detail.alarmName = 'team-caretaker-ep-1-5xx';

    // Act
    const matched = matchingRules(event);

    // Assess
    expect(matched).toEqual([]);
  });
});

describe('Security Hub rule', () => {
  it('does not add up a FAILED finding about a bucket and a PASSED finding about a notebook', () => {
    // Prepare
    const event = sample('securityhub-sagemaker3-consolidated.json') as {
      detail: { findings: { Compliance: { Status: string }; Resources: { Type: string }[] }[] };
    };
    const [notebookFinding] = event.detail.findings;
    const bucketFinding = structuredClone(notebookFinding!);
    bucketFinding.Resources[0]!.Type = 'AwsS3Bucket';
    notebookFinding!.Compliance.Status = 'PASSED';
    event.detail.findings.push(bucketFinding);

    // Act
    const matched = matchingRules(event);

    // Assess
    expect(matched).toEqual([]);
  });
});
