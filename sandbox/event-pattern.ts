/**
 * An EventBridge event-pattern matcher with the semantics of AWS's Event Ruler, so the sandbox routes
 * events through the very JSON patterns that are deployed (`events/patterns/*.json`).
 *
 * Supported (AWS docs, "Content filtering in Amazon EventBridge event patterns" and "Comparison
 * operators"): exact strings/numbers/booleans, `null`, `""`, `prefix`, `suffix` (both also with
 * `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `anything-but` (value, list, `prefix`,
 * `suffix`, `equals-ignore-case`, `wildcard`), `exists`, `numeric`, `$or`, nested objects.
 * `cidr` is refused by {@link validatePattern}: no caretaker rule needs it.
 *
 * Semantics kept from Event Ruler:
 * - only leaf values count: an object (or an empty array) where the pattern expects a value is "absent",
 *   so `exists: false` matches it and every value matcher fails;
 * - an array in the event matches when any element matches;
 * - fields matched inside an array of objects must come from the same element (array consistency),
 *   so a finding that is FAILED and another that is about a notebook do not add up to a match.
 */
import { ValidationError, type FieldIssue } from '#lib/errors';

type Scalar = string | number | boolean | null;
export type EventPattern = { [key: string]: EventPattern | PatternValue[] | EventPattern[] };
type PatternValue = Scalar | Record<string, unknown>;

const LEAF_OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'exists',
  'numeric',
  'cidr',
]);
const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/**
 * Checks a pattern against EventBridge's syntax and throws a {@link ValidationError} naming every bad
 * field, the value found and what was expected.
 *
 * @example
 * validatePattern({ source: ['aws.config'], detail: { newEvaluationResult: { complianceType: ['NON_COMPLIANT'] } } });
 */
export function validatePattern(pattern: unknown): asserts pattern is EventPattern {
  const issues: FieldIssue[] = [];
  checkObject(pattern, '', issues);
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * True when `event` matches `pattern` as EventBridge would decide it.
 *
 * @example
 * matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: { state: 'running' } }); // true
 */
export function matches(pattern: unknown, event: unknown): boolean {
  validatePattern(pattern);
  return matchObject(pattern, event);
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkObject(pattern: unknown, path: string, issues: FieldIssue[]): void {
  if (!isPlainObject(pattern)) {
    issues.push({ field: path || '(pattern)', message: `got ${describe(pattern)}, expected a JSON object` });
    return;
  }
  if (Object.keys(pattern).length === 0 && path === '') {
    issues.push({ field: '(pattern)', message: 'got {}, expected at least one field to match' });
  }
  for (const [key, value] of Object.entries(pattern)) {
    const field = join(path, key);
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) {
        issues.push({ field, message: `got ${describe(value)}, expected an array of at least two patterns` });
        continue;
      }
      value.forEach((alternative, i) => checkObject(alternative, `${field}[${i}]`, issues));
    } else if (Array.isArray(value)) {
      checkLeaf(value, field, issues);
    } else if (isPlainObject(value)) {
      checkObject(value, field, issues);
    } else {
      issues.push({
        field,
        message: `got ${describe(value)}, expected an array of values or a nested object`,
      });
    }
  }
}

function checkLeaf(values: unknown[], field: string, issues: FieldIssue[]): void {
  if (values.length === 0) {
    issues.push({ field, message: 'got [], expected at least one value or matcher' });
  }
  values.forEach((value, i) => {
    const at = `${field}[${i}]`;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
    if (!isPlainObject(value)) {
      issues.push({
        field: at,
        message: `got ${describe(value)}, expected a string, number, boolean, null or matcher object`,
      });
      return;
    }
    const keys = Object.keys(value);
    const operator = keys[0];
    if (keys.length !== 1 || operator === undefined || !LEAF_OPERATORS.has(operator)) {
      issues.push({
        field: at,
        message: `got ${describe(value)}, expected exactly one of ${[...LEAF_OPERATORS].filter((o) => o !== 'cidr').join(', ')}`,
      });
      return;
    }
    checkOperator(operator, value[operator], `${at}.${operator}`, issues);
  });
}

function checkStringOrIgnoreCase(value: unknown, field: string, issues: FieldIssue[]): void {
  if (typeof value === 'string') return;
  if (
    isPlainObject(value) &&
    Object.keys(value).length === 1 &&
    typeof value['equals-ignore-case'] === 'string'
  )
    return;
  issues.push({
    field,
    message: `got ${describe(value)}, expected a string or {"equals-ignore-case": string}`,
  });
}

function checkWildcard(value: unknown, field: string, issues: FieldIssue[]): void {
  if (typeof value !== 'string') {
    issues.push({ field, message: `got ${describe(value)}, expected a string` });
  } else if (/(?<!\\)\*\*/.test(value)) {
    issues.push({ field, message: `got ${describe(value)}, expected no consecutive unescaped "*"` });
  }
}

function checkOperator(operator: string, operand: unknown, field: string, issues: FieldIssue[]): void {
  switch (operator) {
    case 'prefix':
    case 'suffix':
      checkStringOrIgnoreCase(operand, field, issues);
      return;
    case 'equals-ignore-case':
      if (typeof operand !== 'string')
        issues.push({ field, message: `got ${describe(operand)}, expected a string` });
      return;
    case 'wildcard':
      checkWildcard(operand, field, issues);
      return;
    case 'exists':
      if (typeof operand !== 'boolean')
        issues.push({ field, message: `got ${describe(operand)}, expected true or false` });
      return;
    case 'numeric':
      checkNumeric(operand, field, issues);
      return;
    case 'anything-but':
      checkAnythingBut(operand, field, issues);
      return;
    default:
      issues.push({ field, message: `"${operator}" matching is not supported by the local matcher` });
  }
}

function checkNumeric(operand: unknown, field: string, issues: FieldIssue[]): void {
  const ok =
    Array.isArray(operand) &&
    (operand.length === 2 || operand.length === 4) &&
    operand.every((item, i) =>
      i % 2 === 0
        ? typeof item === 'string' && NUMERIC_OPERATORS.has(item)
        : typeof item === 'number' && Number.isFinite(item),
    ) &&
    (operand.length === 2 ||
      (typeof operand[0] === 'string' &&
        operand[0].startsWith('>') &&
        typeof operand[2] === 'string' &&
        operand[2].startsWith('<')));
  if (!ok) {
    issues.push({
      field,
      message: `got ${describe(operand)}, expected [op, number] or [">"|">=", low, "<"|"<=", high] with op one of = < <= > >=`,
    });
  }
}

function checkAnythingBut(operand: unknown, field: string, issues: FieldIssue[]): void {
  if (typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand))) return;
  if (Array.isArray(operand)) {
    const allStrings = operand.every((v) => typeof v === 'string');
    const allNumbers = operand.every((v) => typeof v === 'number');
    if (operand.length > 0 && (allStrings || allNumbers)) return;
    issues.push({
      field,
      message: `got ${describe(operand)}, expected a non-empty list of only strings or only numbers`,
    });
    return;
  }
  if (isPlainObject(operand) && Object.keys(operand).length === 1) {
    const [inner] = Object.keys(operand) as [string];
    const innerValue = operand[inner];
    const at = `${field}.${inner}`;
    if (inner === 'prefix' || inner === 'suffix') {
      if (typeof innerValue !== 'string')
        issues.push({ field: at, message: `got ${describe(innerValue)}, expected a string` });
      return;
    }
    if (inner === 'equals-ignore-case' || inner === 'wildcard') {
      const list = Array.isArray(innerValue) ? innerValue : [innerValue];
      if (list.length === 0)
        issues.push({ field: at, message: 'got [], expected a string or a non-empty list of strings' });
      list.forEach((v, i) =>
        inner === 'wildcard'
          ? checkWildcard(v, Array.isArray(innerValue) ? `${at}[${i}]` : at, issues)
          : typeof v !== 'string' &&
            issues.push({
              field: at,
              message: `got ${describe(innerValue)}, expected a string or a list of strings`,
            }),
      );
      return;
    }
  }
  issues.push({
    field,
    message: `got ${describe(operand)}, expected a string, a number, a list, or {prefix|suffix|equals-ignore-case|wildcard}`,
  });
}

function matchObject(pattern: EventPattern, node: unknown): boolean {
  // An array of objects: every condition of this sub-pattern must hold within one element.
  if (Array.isArray(node)) {
    const objects = node.filter(isPlainObject);
    if (objects.length === 0) return matchFields(pattern, undefined);
    return objects.some((element) => matchFields(pattern, element));
  }
  return matchFields(pattern, isPlainObject(node) ? node : undefined);
}

function matchFields(pattern: EventPattern, node: Record<string, unknown> | undefined): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or')
      return (expected as EventPattern[]).some((alternative) => matchObject(alternative, node));
    const child = node?.[key];
    if (Array.isArray(expected)) return matchLeaf(expected as PatternValue[], leafValues(child));
    return matchObject(expected as EventPattern, child);
  });
}

function leafValues(value: unknown): Scalar[] {
  if (value === undefined || isPlainObject(value)) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return [value as Scalar];
}

function matchLeaf(expected: PatternValue[], values: Scalar[]): boolean {
  return expected.some((matcher) => {
    if (isPlainObject(matcher) && 'exists' in matcher) return values.length > 0 === matcher.exists;
    return values.some((value) => matchValue(matcher, value));
  });
}

function matchValue(matcher: PatternValue, value: Scalar): boolean {
  if (!isPlainObject(matcher)) return matcher === value;
  const [operator] = Object.keys(matcher) as [string];
  const operand = matcher[operator];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && affix(operand, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && affix(operand, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return typeof value === 'string' && fold(value) === fold(operand as string);
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(operand as string).test(value);
    case 'numeric':
      return typeof value === 'number' && numericMatches(operand as (string | number)[], value);
    case 'anything-but':
      return !anythingButExcludes(operand, value);
    default:
      return false;
  }
}

function affix(operand: unknown, value: string, test: (value: string, affix: string) => boolean): boolean {
  if (typeof operand === 'string') return test(value, operand);
  return test(fold(value), fold((operand as Record<string, string>)['equals-ignore-case'] ?? ''));
}

function fold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

function wildcardRegExp(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const ch = wildcard[i] as string;
    if (ch === '\\' && i + 1 < wildcard.length) {
      source += (wildcard[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (ch === '*') {
      source += '.*';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function numericMatches(ranges: (string | number)[], value: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    const op = ranges[i] as string;
    const bound = ranges[i + 1] as number;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

function anythingButExcludes(operand: unknown, value: Scalar): boolean {
  if (Array.isArray(operand)) return operand.includes(value);
  if (!isPlainObject(operand)) return operand === value;
  const [inner] = Object.keys(operand) as [string];
  const innerValue = operand[inner];
  if (typeof value !== 'string') return false;
  const list = (Array.isArray(innerValue) ? innerValue : [innerValue]) as string[];
  switch (inner) {
    case 'prefix':
      return value.startsWith(innerValue as string);
    case 'suffix':
      return value.endsWith(innerValue as string);
    case 'equals-ignore-case':
      return list.some((v) => fold(v) === fold(value));
    default:
      return list.some((v) => wildcardRegExp(v).test(value));
  }
}

/**
 * Why an event does not match a pattern: the first field that fails, with its value and what the pattern
 * expects (for `ignoredEvents`). `undefined` when it matches.
 */
export function firstMismatch(
  pattern: Record<string, unknown>,
  event: unknown,
  path = '',
): string | undefined {
  for (const [key, expected] of Object.entries(pattern)) {
    if (matches({ [key]: expected }, event)) continue;
    const field = path ? `${path}.${key}` : key;
    if (key === '$or') return `${path || 'the event'} matches none of the $or alternatives`;
    let value = (event as Record<string, unknown> | undefined)?.[key];
    let at = field;
    if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
      value = value[0];
      at = `${field}[0]`;
    }
    if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
      return firstMismatch(expected as Record<string, unknown>, value, at) ?? `${at} does not match`;
    }
    return `${at} is ${value === undefined ? 'missing' : JSON.stringify(value)}, the rule wants ${JSON.stringify(expected)}`;
  }
  return undefined;
}
