import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { AwsApiError, type ServiceEmulator } from './types.ts';

/**
 * The DynamoDB subset the caretaker's window ledger needs: `GetItem`, `PutItem` and `UpdateItem` on
 * implicit tables, with the update and condition expressions it writes. Whatever lies outside the subset is
 * refused with a `ValidationException` naming it, so that code relying on more fails here, not in AWS.
 *
 * Tables exist as soon as they are named. Their key is `pk` (string or number), plus `sk` when an item has
 * one: the emulator cannot know a table's key schema, so it uses this convention.
 */

/** An attribute value in DynamoDB JSON (`{"N":"1"}`, `{"S":"x"}`, …). */
export type Value = AttributeValue;
export type Item = Record<string, Value>;

export interface DynamoWorld {
  /** The item as stored (a copy), or `undefined`. */
  get(table: string, key: Item): Item | undefined;
  /** Every item of a table, in insertion order (copies). */
  items(table: string): Item[];
}

type Json = Record<string, unknown>;

const validation = (message: string) => new AwsApiError('ValidationException', message);
const KEY_ATTRIBUTES = ['pk', 'sk'];
const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

const clone = <T>(value: T): T => structuredClone(value);

function checkValue(value: unknown, where: string): Value {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw validation(`${where}: expected an attribute value such as {"S":"x"}, got ${JSON.stringify(value)}`);
  const types = Object.keys(value);
  if (types.length !== 1 || !TYPES.includes(types[0]!))
    throw validation(
      `${where}: Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes`,
    );
  const n = (value as { N?: unknown }).N;
  if (n !== undefined && (typeof n !== 'string' || n.trim() === '' || !Number.isFinite(Number(n))))
    throw validation(`${where}: The parameter cannot be converted to a numeric value: ${String(n)}`);
  return value as Value;
}

function checkItem(raw: unknown, member: string): Item {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  return Object.fromEntries(
    Object.entries(raw as Json).map(([name, value]) => [name, checkValue(value, `${member}.${name}`)]),
  );
}

function keyOf(key: Item, member: string): string {
  const names = Object.keys(key).sort();
  const expected = key.sk ? ['pk', 'sk'] : ['pk'];
  if (names.join() !== expected.join())
    throw validation(
      `The provided key element does not match the schema (${member} has ${names.join(', ') || 'no attributes'}; the sandbox's tables are keyed by pk and optionally sk)`,
    );
  for (const name of names) {
    const value = key[name]!;
    if (value.S === undefined && value.N === undefined)
      throw validation(
        `The provided key element does not match the schema (${member}.${name} must be S or N)`,
      );
  }
  return JSON.stringify(names.map((n) => key[n]));
}

function refuseOthers(operation: string, input: Json, allowed: string[]): void {
  const extra = Object.keys(input).filter((m) => !allowed.includes(m));
  if (extra.length > 0)
    throw validation(
      `The sandbox's DynamoDB subset does not support ${operation} parameter(s): ${extra.join(', ')}`,
    );
}

// ---- expressions -------------------------------------------------------------------------------------

type Token =
  | { kind: 'name'; text: string }
  | { kind: 'placeholder'; text: string }
  | { kind: 'value'; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'end'; text: '' };

function tokenize(expression: string, which: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(<>|<=|>=|[=<>(),+-]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(expression);
    if (!m)
      throw validation(
        `Invalid ${which}: the sandbox's DynamoDB subset does not support "${expression.slice(at).trim()}"`,
      );
    at = pattern.lastIndex;
    if (m[1]) tokens.push({ kind: 'placeholder', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'value', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'name', text: m[3] });
    else tokens.push({ kind: 'op', text: m[4]! });
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

/** Resolves placeholders and records which ones the expressions used (DynamoDB rejects unused ones). */
class Placeholders {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    private readonly names: Record<string, string>,
    private readonly values: Item,
  ) {}

  name(token: Token): string {
    if (token.kind === 'name') return token.text;
    const resolved = this.names[token.text];
    if (resolved === undefined)
      throw validation(
        `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`,
      );
    this.usedNames.add(token.text);
    return resolved;
  }

  value(placeholder: string): Value {
    const resolved = this.values[placeholder];
    if (resolved === undefined)
      throw validation(
        `An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
      );
    this.usedValues.add(placeholder);
    return resolved;
  }

  checkAllUsed(): void {
    const names = Object.keys(this.names).filter((n) => !this.usedNames.has(n));
    if (names.length > 0)
      throw validation(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`,
      );
    const values = Object.keys(this.values).filter((v) => !this.usedValues.has(v));
    if (values.length > 0)
      throw validation(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`,
      );
  }
}

class Parser {
  #i = 0;
  readonly #tokens: Token[];

  constructor(
    expression: string,
    private readonly which: string,
    readonly placeholders: Placeholders,
  ) {
    this.#tokens = tokenize(expression, which);
  }

  peek(): Token {
    return this.#tokens[this.#i]!;
  }

  next(): Token {
    return this.#tokens[this.#i++]!;
  }

  keyword(word: string): boolean {
    const t = this.peek();
    if (t.kind === 'name' && t.text.toUpperCase() === word) {
      this.#i++;
      return true;
    }
    return false;
  }

  op(text: string): boolean {
    const t = this.peek();
    if (t.kind === 'op' && t.text === text) {
      this.#i++;
      return true;
    }
    return false;
  }

  expect(text: string): void {
    if (!this.op(text)) this.unsupported(`expected "${text}"`);
  }

  atEnd(): boolean {
    return this.peek().kind === 'end';
  }

  /** Whether the token after the current one is the operator `text` (a function call ahead). */
  followedBy(text: string): boolean {
    const t = this.#tokens[this.#i + 1];
    return t?.kind === 'op' && t.text === text;
  }

  unsupported(what: string): never {
    const rest = this.#tokens
      .slice(this.#i)
      .map((t) => t.text)
      .join(' ')
      .trim();
    throw validation(
      `Invalid ${this.which}: ${what} at "${rest || 'end of expression'}" (malformed, or outside the sandbox's DynamoDB subset)`,
    );
  }

  /** A top-level attribute name; nested paths are outside the subset (the tokenizer refuses `.` and `[`). */
  path(): string {
    const t = this.peek();
    if (t.kind !== 'name' && t.kind !== 'placeholder') this.unsupported('expected an attribute name');
    this.next();
    return this.placeholders.name(t);
  }
}

type Operand = (item: Item) => Value | undefined;

/** `:v`, a path, or `if_not_exists(path, operand)`. */
function operand(p: Parser): Operand {
  const t = p.peek();
  if (t.kind === 'value') {
    p.next();
    const value = p.placeholders.value(t.text);
    return () => value;
  }
  if (t.kind === 'name' && t.text === 'if_not_exists') {
    p.next();
    p.expect('(');
    const name = p.path();
    p.expect(',');
    const fallback = operand(p);
    p.expect(')');
    return (item) => item[name] ?? fallback(item);
  }
  const name = p.path();
  return (item) => item[name];
}

function numberOf(value: Value | undefined, what: string): number {
  if (value === undefined)
    throw validation(
      `The provided expression refers to an attribute that does not exist in the item (${what})`,
    );
  if (value.N === undefined)
    throw validation(
      `An operand in the update expression has an incorrect data type (${what} is not a number)`,
    );
  return Number(value.N);
}

type Action = (item: Item) => void;

/** `SET a = v[, …]`, `SET a = x + y`, `ADD a :n`, in any order of clauses. */
function parseUpdate(
  expression: string,
  placeholders: Placeholders,
): { actions: Action[]; updated: string[] } {
  const p = new Parser(expression, 'UpdateExpression', placeholders);
  const actions: Action[] = [];
  const updated: string[] = [];
  const seen = new Set<string>();
  const target = (name: string) => {
    if (KEY_ATTRIBUTES.includes(name))
      throw validation(`Cannot update attribute ${name}. This attribute is part of the key`);
    if (seen.has(name))
      throw validation(
        `Invalid UpdateExpression: Two document paths overlap with each other; path: [${name}]`,
      );
    seen.add(name);
    updated.push(name);
  };
  if (p.atEnd()) p.unsupported('expected SET or ADD');
  while (!p.atEnd()) {
    if (p.keyword('SET')) {
      do {
        const name = p.path();
        target(name);
        p.expect('=');
        const left = operand(p);
        const sign = p.op('+') ? 1 : p.op('-') ? -1 : 0;
        if (sign === 0) {
          actions.push((item) => {
            const value = left(item);
            if (value === undefined)
              throw validation(
                `The provided expression refers to an attribute that does not exist in the item`,
              );
            item[name] = clone(value);
          });
        } else {
          const right = operand(p);
          actions.push((item) => {
            const sum = numberOf(left(item), 'left operand') + sign * numberOf(right(item), 'right operand');
            item[name] = { N: String(sum) };
          });
        }
      } while (p.op(','));
    } else if (p.keyword('ADD')) {
      do {
        const name = p.path();
        target(name);
        const t = p.next();
        if (t.kind !== 'value') p.unsupported('ADD expects a :value');
        const delta = p.placeholders.value(t.text);
        if (delta.N === undefined)
          throw validation(
            `The sandbox's DynamoDB subset supports ADD on numbers only (${t.text} is not {"N": …})`,
          );
        actions.push((item) => {
          const current = item[name];
          item[name] = { N: String((current === undefined ? 0 : numberOf(current, name)) + Number(delta.N)) };
        });
      } while (p.op(','));
    } else {
      p.unsupported('expected SET or ADD (REMOVE and DELETE are outside the subset)');
    }
  }
  return { actions, updated };
}

type Condition = (item: Item | undefined) => boolean;

const COMPARATORS = ['=', '<>', '<', '<=', '>', '>='];

function compare(a: Value | undefined, op: string, b: Value | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (op === '=' || op === '<>') {
    const equal = JSON.stringify(a) === JSON.stringify(b);
    return op === '=' ? equal : !equal;
  }
  let order: number;
  if (a.N !== undefined && b.N !== undefined) order = Number(a.N) - Number(b.N);
  else if (a.S !== undefined && b.S !== undefined) order = a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  else return false;
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

/** `attribute_exists(a)`, `attribute_not_exists(a)`, comparisons, `NOT`, `AND`, `OR`, parentheses. */
function parseCondition(expression: string, placeholders: Placeholders): Condition {
  const p = new Parser(expression, 'ConditionExpression', placeholders);
  const primary = (): Condition => {
    if (p.keyword('NOT')) {
      const inner = primary();
      return (item) => !inner(item);
    }
    if (p.op('(')) {
      const inner = or();
      p.expect(')');
      return inner;
    }
    const t = p.peek();
    if (t.kind === 'name' && (t.text === 'attribute_exists' || t.text === 'attribute_not_exists')) {
      p.next();
      p.expect('(');
      const name = p.path();
      p.expect(')');
      const wanted = t.text === 'attribute_exists';
      return (item) => (item?.[name] !== undefined) === wanted;
    }
    if (t.kind === 'name' && p.followedBy('(')) p.unsupported(`function ${t.text} is not supported`);
    const left = operand(p);
    const op = p.next();
    if (op.kind !== 'op' || !COMPARATORS.includes(op.text))
      p.unsupported('expected a comparison (= <> < <= > >=)');
    const right = operand(p);
    return (item) => compare(left(item ?? {}), op.text, right(item ?? {}));
  };
  const and = (): Condition => {
    let left = primary();
    while (p.keyword('AND')) {
      const [l, r] = [left, primary()];
      left = (item) => l(item) && r(item);
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (p.keyword('OR')) {
      const [l, r] = [left, and()];
      left = (item) => l(item) || r(item);
    }
    return left;
  };
  const condition = or();
  if (!p.atEnd()) p.unsupported('unexpected token');
  return condition;
}

// ---- the service -------------------------------------------------------------------------------------

function placeholdersOf(input: Json): Placeholders {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = input.ExpressionAttributeValues
    ? checkItem(input.ExpressionAttributeValues, 'ExpressionAttributeValues')
    : {};
  return new Placeholders(names, values);
}

function tableOf(input: Json): string {
  const table = input.TableName;
  if (typeof table !== 'string' || table === '')
    throw validation(
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    );
  return table;
}

const conditionFailed = () =>
  new AwsApiError('ConditionalCheckFailedException', 'The conditional request failed');

const COMMON = ['TableName', 'ReturnConsumedCapacity'];

export interface DynamoService extends ServiceEmulator {
  world: DynamoWorld;
}

/**
 * `DynamoDB_20120810.GetItem | PutItem | UpdateItem`.
 *
 * @example
 *   const dynamodb = createDynamoService();
 *   dynamodb.operations.UpdateItem({ TableName: 't', Key: { pk: { S: 'w' } }, UpdateExpression: 'ADD n :one',
 *     ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' }, ctx);
 *   // → { Attributes: { pk: { S: 'w' }, n: { N: '1' } } }
 */
export function createDynamoService(): DynamoService {
  const tables = new Map<string, Map<string, Item>>();
  const tableMap = (name: string) => {
    let table = tables.get(name);
    if (!table) tables.set(name, (table = new Map()));
    return table;
  };

  const world: DynamoWorld = {
    get: (table, key) => {
      const item = tables.get(table)?.get(keyOf(key, 'Key'));
      return item && clone(item);
    },
    items: (table) => [...(tables.get(table)?.values() ?? [])].map(clone),
  };

  return {
    targetPrefix: 'DynamoDB_20120810',
    service: 'dynamodb',
    resourceKey: (_operation, input) =>
      `${String(input.TableName)}/${JSON.stringify(input.Key ?? input.Item ?? {})}`,
    world,
    operations: {
      GetItem: (input) => {
        refuseOthers('GetItem', input, [...COMMON, 'Key', 'ConsistentRead']);
        const table = tableOf(input);
        const item = tables.get(table)?.get(keyOf(checkItem(input.Key, 'Key'), 'Key'));
        return item ? { Item: clone(item) } : {};
      },

      PutItem: (input) => {
        refuseOthers('PutItem', input, [
          ...COMMON,
          'Item',
          'ConditionExpression',
          'ExpressionAttributeNames',
          'ExpressionAttributeValues',
          'ReturnValues',
        ]);
        const table = tableMap(tableOf(input));
        const item = checkItem(input.Item, 'Item');
        const keyAttributes = Object.fromEntries(
          KEY_ATTRIBUTES.filter((k) => item[k]).map((k) => [k, item[k]!]),
        );
        const key = keyOf(keyAttributes, 'Item');
        const returnValues = input.ReturnValues ?? 'NONE';
        if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD')
          throw validation(
            `ReturnValues can only be ALL_OLD or NONE for PutItem, got ${String(returnValues)}`,
          );
        const placeholders = placeholdersOf(input);
        const condition =
          typeof input.ConditionExpression === 'string'
            ? parseCondition(input.ConditionExpression, placeholders)
            : undefined;
        placeholders.checkAllUsed();
        const old = table.get(key);
        if (condition && !condition(old)) throw conditionFailed();
        table.set(key, clone(item));
        return returnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
      },

      UpdateItem: (input) => {
        refuseOthers('UpdateItem', input, [
          ...COMMON,
          'Key',
          'UpdateExpression',
          'ConditionExpression',
          'ExpressionAttributeNames',
          'ExpressionAttributeValues',
          'ReturnValues',
        ]);
        const table = tableMap(tableOf(input));
        const keyItem = checkItem(input.Key, 'Key');
        const key = keyOf(keyItem, 'Key');
        const returnValues = input.ReturnValues ?? 'NONE';
        if (!['NONE', 'ALL_NEW', 'UPDATED_NEW'].includes(String(returnValues)))
          throw validation(
            `The sandbox's DynamoDB subset supports ReturnValues NONE, ALL_NEW and UPDATED_NEW, got ${String(returnValues)}`,
          );
        if (typeof input.UpdateExpression !== 'string')
          throw validation(
            'The sandbox requires UpdateExpression for UpdateItem (AttributeUpdates is outside the subset)',
          );
        const placeholders = placeholdersOf(input);
        const { actions, updated } = parseUpdate(input.UpdateExpression, placeholders);
        const condition =
          typeof input.ConditionExpression === 'string'
            ? parseCondition(input.ConditionExpression, placeholders)
            : undefined;
        placeholders.checkAllUsed();
        const old = table.get(key);
        if (condition && !condition(old)) throw conditionFailed();
        // Apply to a copy: an expression that fails half-way must leave the stored item as it was.
        const item: Item = old ? clone(old) : clone(keyItem);
        for (const action of actions) action(item);
        table.set(key, item);
        if (returnValues === 'ALL_NEW') return { Attributes: clone(item) };
        if (returnValues === 'UPDATED_NEW')
          return { Attributes: Object.fromEntries(updated.map((name) => [name, clone(item[name]!)])) };
        return {};
      },
    },
  };
}
