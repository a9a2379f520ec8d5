import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { parseDocument } from 'yaml';
import { digest } from './faults.ts';
import { AwsApiError, type ServiceEmulator } from './types.ts';

/**
 * The DynamoDB subset caretaker's ledger needs: `GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`, `Query` and
 * `BatchWriteItem`, with condition, update and key condition expressions, `ReturnValues`,
 * `ReturnValuesOnConditionCheckFailure` and `Limit`/`ExclusiveStartKey` pagination, as the DynamoDB API
 * reference documents them. Whatever lies outside the subset is refused with a `ValidationException` naming
 * it, so that code relying on more fails here, not in AWS.
 *
 * The tables are the stack's: their key schemas come from the deployed definition (serverless.yml), so an
 * item written with a key the table does not have fails here as it would in AWS; an unknown table is
 * `ResourceNotFoundException`. Reads are always strongly consistent.
 */

/** An attribute value in DynamoDB JSON (`{"N":"1"}`, `{"S":"x"}`, …). */
export type Value = AttributeValue;
export type Item = Record<string, Value>;

type KeyType = 'S' | 'N' | 'B';
export interface KeySchema {
  partition: { name: string; type: KeyType };
  sort?: { name: string; type: KeyType };
}

export interface DynamoWorld {
  /** The item as stored (a copy), or `undefined`. */
  get(table: string, key: Item): Item | undefined;
  /** Every item of a table, in insertion order (copies). */
  items(table: string): Item[];
}

type Json = Record<string, unknown>;

const validation = (message: string) => new AwsApiError('ValidationException', message);
const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];
const MAX_BATCH_WRITES = 25;
const MAX_BATCH_GETS = 100;
const MAX_TRANSACT_ITEMS = 100;
// Query stops at 1 MB of items read; here an item's size is its JSON text, a little above DynamoDB's count.
const MAX_PAGE_BYTES = 1024 * 1024;

const clone = <T>(value: T): T => structuredClone(value);

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The name the sandbox gives the stack's ledger table (its Lambda functions get it as LEDGER_TABLE_NAME). */
export const LEDGER_TABLE = 'caretaker-ledger';

/**
 * The key schema of a table the stack declares (`resources` of serverless.yml, `AWS::DynamoDB::Table`).
 *
 * @example stackKeySchema('LedgerTable') // → { partition: { name: 'pk', type: 'S' } }
 */
export function stackKeySchema(resource: string, file = path.join(ROOT, 'serverless.yml')): KeySchema {
  // CloudFormation tags (!Ref) only warn: the table's properties are plain YAML.
  const stack = parseDocument(readFileSync(file, 'utf8')).toJS() as { resources?: unknown[] };
  const declared = (stack.resources ?? [])
    .map((r) => (r as { Resources?: Record<string, Json> })?.Resources?.[resource])
    .find((r) => r !== undefined);
  const properties = declared?.Properties as
    | {
        KeySchema?: Array<{ AttributeName: string; KeyType: string }>;
        AttributeDefinitions?: Array<{ AttributeName: string; AttributeType: KeyType }>;
      }
    | undefined;
  const attribute = (keyType: string) => {
    const name = properties?.KeySchema?.find((k) => k.KeyType === keyType)?.AttributeName;
    if (name === undefined) return undefined;
    const type = properties?.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    if (type === undefined)
      throw new Error(`${file}: ${resource} declares key ${name} without its AttributeDefinition`);
    return { name, type };
  };
  const partition = attribute('HASH');
  if (!partition) throw new Error(`${file}: no AWS::DynamoDB::Table ${resource} with a HASH key`);
  const sort = attribute('RANGE');
  return sort ? { partition, sort } : { partition };
}

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

const typeOf = (value: Value) => Object.keys(value)[0]!;

/** One table: its key schema and items, by the text of their primary key. */
class Table {
  readonly items = new Map<string, Item>();

  constructor(readonly schema: KeySchema) {}

  get keyNames(): string[] {
    return [this.schema.partition.name, ...(this.schema.sort ? [this.schema.sort.name] : [])];
  }

  /** The key of a `Key` member: exactly the key attributes, of the declared types. */
  keyOf(key: Item): string {
    const names = Object.keys(key);
    const fits =
      names.length === this.keyNames.length &&
      this.keyNames.every((name) => key[name] !== undefined && typeOf(key[name]!) === this.typeOf(name));
    if (!fits) throw validation('The provided key element does not match the schema');
    return this.keyText(key);
  }

  /** The key of a whole item (`PutItem`), in the API's words when a key attribute is missing or mistyped. */
  itemKeyOf(item: Item): string {
    for (const name of this.keyNames) {
      const value = item[name];
      if (value === undefined)
        throw validation(`One or more parameter values were invalid: Missing the key ${name} in the item`);
      if (typeOf(value) !== this.typeOf(name))
        throw validation(
          `One or more parameter values were invalid: Type mismatch for key ${name} expected: ${this.typeOf(name)} actual: ${typeOf(value)}`,
        );
    }
    return this.keyText(item);
  }

  keyAttributes(item: Item): Item {
    return Object.fromEntries(this.keyNames.map((name) => [name, clone(item[name]!)]));
  }

  private typeOf(name: string): KeyType {
    return name === this.schema.partition.name ? this.schema.partition.type : this.schema.sort!.type;
  }

  private keyText(item: Item): string {
    for (const name of this.keyNames) {
      const value = item[name]!;
      if ((value.S ?? value.B) !== undefined && String(value.S ?? value.B) === '')
        throw validation(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${name}`,
        );
    }
    return JSON.stringify(this.keyNames.map((name) => item[name]));
  }
}

/** DynamoDB's order of key values: numbers by value, strings and binaries by their bytes. */
function order(a: Value, b: Value): number {
  if (a.N !== undefined && b.N !== undefined) return Number(a.N) - Number(b.N);
  const bytes = (v: Value) =>
    v.S !== undefined ? Buffer.from(v.S, 'utf8') : Buffer.from(v.B as unknown as string, 'base64');
  return Buffer.compare(bytes(a), bytes(b));
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

  /** A `:value` placeholder, resolved. */
  value(): Value {
    const t = this.next();
    if (t.kind !== 'value') this.unsupported('expected a :value');
    return this.placeholders.value(t.text);
  }
}

type Operand = (item: Item) => Value | undefined;

/** `:v`, a path, or `if_not_exists(path, operand)`. */
function operand(p: Parser): Operand {
  const t = p.peek();
  if (t.kind === 'value') {
    const value = p.value();
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

/** `SET a = v[, …]`, `SET a = x + y`, `REMOVE a[, …]`, `ADD a :n`, in any order of clauses. */
function parseUpdate(
  expression: string,
  placeholders: Placeholders,
  keyNames: string[],
): { actions: Action[]; updated: string[] } {
  const p = new Parser(expression, 'UpdateExpression', placeholders);
  const actions: Action[] = [];
  const updated: string[] = [];
  const seen = new Set<string>();
  const target = (name: string) => {
    if (keyNames.includes(name))
      throw validation(`Cannot update attribute ${name}. This attribute is part of the key`);
    if (seen.has(name))
      throw validation(
        `Invalid UpdateExpression: Two document paths overlap with each other; path: [${name}]`,
      );
    seen.add(name);
    updated.push(name);
  };
  if (p.atEnd()) p.unsupported('expected SET, REMOVE or ADD');
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
    } else if (p.keyword('REMOVE')) {
      do {
        const name = p.path();
        target(name);
        actions.push((item) => {
          delete item[name];
        });
      } while (p.op(','));
    } else if (p.keyword('ADD')) {
      do {
        const name = p.path();
        target(name);
        const delta = p.value();
        if (delta.N === undefined)
          throw validation(`The sandbox's DynamoDB subset supports ADD on numbers only (${name})`);
        actions.push((item) => {
          const current = item[name];
          item[name] = { N: String((current === undefined ? 0 : numberOf(current, name)) + Number(delta.N)) };
        });
      } while (p.op(','));
    } else {
      p.unsupported('expected SET, REMOVE or ADD (DELETE is outside the subset)');
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
  const comparable = (a.N !== undefined && b.N !== undefined) || (a.S !== undefined && b.S !== undefined);
  if (!comparable) return false;
  const sign = order(a, b);
  return op === '<' ? sign < 0 : op === '<=' ? sign <= 0 : op === '>' ? sign > 0 : sign >= 0;
}

const beginsWith = (value: Value | undefined, prefix: Value | undefined) =>
  value?.S !== undefined && prefix?.S !== undefined && value.S.startsWith(prefix.S);

/**
 * `attribute_exists(a)`, `attribute_not_exists(a)`, `begins_with(a, :p)`, comparisons, `BETWEEN … AND …`,
 * `NOT`, `AND`, `OR`, parentheses.
 */
function parseCondition(
  expression: string,
  placeholders: Placeholders,
  which = 'ConditionExpression',
): Condition {
  const p = new Parser(expression, which, placeholders);
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
    if (t.kind === 'name' && t.text === 'begins_with') {
      p.next();
      p.expect('(');
      const value = operand(p);
      p.expect(',');
      const prefix = operand(p);
      p.expect(')');
      return (item) => beginsWith(value(item ?? {}), prefix(item ?? {}));
    }
    if (t.kind === 'name' && p.followedBy('(')) p.unsupported(`function ${t.text} is not supported`);
    const left = operand(p);
    if (p.keyword('BETWEEN')) {
      const low = operand(p);
      if (!p.keyword('AND')) p.unsupported('expected AND in BETWEEN');
      const high = operand(p);
      return (item) =>
        compare(left(item ?? {}), '>=', low(item ?? {})) && compare(left(item ?? {}), '<=', high(item ?? {}));
    }
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

/**
 * A Query's KeyConditionExpression: `pk = :v`, optionally `AND` one condition on the sort key (`=`, `<`,
 * `<=`, `>`, `>=`, `BETWEEN :a AND :b`, `begins_with(sk, :p)`), in the API's words when it asks for more.
 */
function parseKeyCondition(
  expression: string,
  placeholders: Placeholders,
  schema: KeySchema,
): { partition: Value; sort: (value: Value | undefined) => boolean } {
  const p = new Parser(expression, 'KeyConditionExpression', placeholders);
  let partition: Value | undefined;
  let sort: ((value: Value | undefined) => boolean) | undefined;
  const notSupported = () => validation('Query key condition not supported');
  do {
    const t = p.peek();
    if (t.kind === 'name' && t.text === 'begins_with' && p.followedBy('(')) {
      p.next();
      p.expect('(');
      const name = p.path();
      p.expect(',');
      const prefix = p.value();
      p.expect(')');
      if (name !== schema.sort?.name || sort) throw notSupported();
      if (schema.sort.type !== 'S' || prefix.S === undefined)
        throw validation(
          `Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${typeOf(prefix)}`,
        );
      sort = (value) => beginsWith(value, prefix);
      continue;
    }
    const name = p.path();
    if (p.keyword('BETWEEN')) {
      const low = p.value();
      if (!p.keyword('AND')) p.unsupported('expected AND in BETWEEN');
      const high = p.value();
      if (name !== schema.sort?.name || sort) throw notSupported();
      sort = (value) => compare(value, '>=', low) && compare(value, '<=', high);
      continue;
    }
    const op = p.next();
    if (op.kind !== 'op' || !COMPARATORS.includes(op.text) || op.text === '<>') throw notSupported();
    const value = p.value();
    if (name === schema.partition.name && op.text === '=' && !partition) partition = value;
    else if (name === schema.sort?.name && !sort) sort = (v) => compare(v, op.text, value);
    else throw notSupported();
  } while (p.keyword('AND'));
  if (!p.atEnd()) p.unsupported('unexpected token (a key condition joins at most two conditions with AND)');
  if (!partition) throw validation(`Query condition missed key schema element: ${schema.partition.name}`);
  return { partition, sort: sort ?? (() => true) };
}

// ---- the service -------------------------------------------------------------------------------------

function placeholdersOf(input: Json): Placeholders {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = input.ExpressionAttributeValues
    ? checkItem(input.ExpressionAttributeValues, 'ExpressionAttributeValues')
    : {};
  return new Placeholders(names, values);
}

function enumMember(input: Json, member: string, allowed: string[], fallback: string): string {
  const value = input[member] ?? fallback;
  if (typeof value !== 'string' || !allowed.includes(value))
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  return value;
}

function booleanMember(input: Json, member: string): boolean | undefined {
  const value = input[member];
  if (value !== undefined && typeof value !== 'boolean')
    throw validation(`Value '${String(value)}' at '${member}' must be a boolean`);
  return value as boolean | undefined;
}

const conditionFailed = (old: Item | undefined, input: Json) =>
  new AwsApiError(
    'ConditionalCheckFailedException',
    'The conditional request failed',
    400,
    // ReturnValuesOnConditionCheckFailure: ALL_OLD puts the item as it is in the exception.
    input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: clone(old) } : {},
  );

const COMMON = ['TableName', 'ReturnConsumedCapacity'];
const CONDITIONAL = [
  ...COMMON,
  'ConditionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
  'ReturnValues',
  'ReturnValuesOnConditionCheckFailure',
];

/** The old or new item, or the updated attributes of either, as `ReturnValues` asks. */
function returned(
  returnValues: string,
  old: Item | undefined,
  item: Item | undefined,
  updated: string[] = [],
): { Attributes?: Item } {
  const whole = returnValues.endsWith('_OLD') ? old : item;
  if (!whole || returnValues === 'NONE') return {};
  const attributes = returnValues.startsWith('UPDATED_')
    ? Object.fromEntries(updated.filter((n) => whole[n] !== undefined).map((n) => [n, whole[n]!]))
    : whole;
  return Object.keys(attributes).length > 0 ? { Attributes: clone(attributes) } : {};
}

export interface DynamoService extends ServiceEmulator {
  world: DynamoWorld;
}

/**
 * `DynamoDB_20120810.*` for the tables named in `schemas`.
 *
 * @example
 *   const dynamodb = createDynamoService({ t: { partition: { name: 'pk', type: 'S' } } });
 *   dynamodb.operations.UpdateItem({ TableName: 't', Key: { pk: { S: 'w' } }, UpdateExpression: 'ADD n :one',
 *     ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' }, ctx);
 *   // → { Attributes: { pk: { S: 'w' }, n: { N: '1' } } }
 */
export function createDynamoService(schemas: Record<string, KeySchema>): DynamoService {
  const tables = new Map(Object.entries(schemas).map(([name, schema]) => [name, new Table(schema)]));
  const tableOf = (input: Json): Table => {
    const name = input.TableName;
    if (typeof name !== 'string' || name === '')
      throw validation(
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
      );
    const table = tables.get(name);
    if (!table) throw new AwsApiError('ResourceNotFoundException', 'Requested resource not found');
    return table;
  };
  const conditionOf = (input: Json, placeholders: Placeholders): Condition | undefined =>
    typeof input.ConditionExpression === 'string'
      ? parseCondition(input.ConditionExpression, placeholders)
      : undefined;
  /**
   * A write's guard: once every placeholder has been used (the update expression's too), its condition on the
   * item as stored. Returns that item.
   */
  const guard = (input: Json, table: Table, key: string, placeholders = placeholdersOf(input)) => {
    enumMember(input, 'ReturnValuesOnConditionCheckFailure', ['NONE', 'ALL_OLD'], 'NONE');
    const condition = conditionOf(input, placeholders);
    placeholders.checkAllUsed();
    const old = table.items.get(key);
    if (condition && !condition(old)) throw conditionFailed(old, input);
    return old;
  };

  const world: DynamoWorld = {
    get: (table, key) => {
      const found = tables.get(table);
      const item = found?.items.get(found.keyOf(key));
      return item && clone(item);
    },
    items: (table) => [...(tables.get(table)?.items.values() ?? [])].map(clone),
  };

  /** The resource a call concerns, for deterministic faults and the journal: the table and the key. */
  const resourceKey = (_operation: string, input: Json): string => {
    const table = String(input.TableName ?? '');
    const keyed = tables.get(table);
    const key = (input.Key ?? input.Item) as Item | undefined;
    if (keyed && key) return `${table}/${JSON.stringify(keyed.keyNames.map((n) => key[n]))}`;
    if (input.KeyConditionExpression !== undefined)
      return `${table}/${JSON.stringify(input.ExpressionAttributeValues ?? {})}`;
    if (input.RequestItems !== undefined)
      return `${Object.keys(input.RequestItems as object).join(',')}/batch#${digest(JSON.stringify(input.RequestItems))}`;
    if (input.TransactItems !== undefined)
      return `transaction#${digest(JSON.stringify(input.TransactItems))}`;
    return table;
  };

  /**
   * One action of a transaction, checked and ready: whether its condition holds on the item as stored, and
   * the write to make when every condition of the transaction holds.
   */
  const transactAction = (entry: Json, index: number) => {
    const kinds = ['ConditionCheck', 'Put', 'Update', 'Delete'].filter((k) => entry?.[k] !== undefined);
    if (kinds.length !== 1)
      throw validation(
        `TransactItems[${index}]: expected exactly one of ConditionCheck, Put, Update, Delete`,
      );
    const kind = kinds[0]!;
    const input = entry[kind] as Json;
    const common = [
      'TableName',
      'ConditionExpression',
      'ExpressionAttributeNames',
      'ExpressionAttributeValues',
      'ReturnValuesOnConditionCheckFailure',
    ];
    const table = tableOf(input);
    const placeholders = placeholdersOf(input);
    let key: string;
    let write: (() => void) | undefined;
    if (kind === 'Put') {
      refuseOthers('TransactWriteItems Put', input, [...common, 'Item']);
      const item = checkItem(input.Item, 'Put.Item');
      key = table.itemKeyOf(item);
      write = () => table.items.set(key, clone(item));
    } else if (kind === 'Update') {
      refuseOthers('TransactWriteItems Update', input, [...common, 'Key', 'UpdateExpression']);
      const keyItem = checkItem(input.Key, 'Update.Key');
      key = table.keyOf(keyItem);
      if (typeof input.UpdateExpression !== 'string') throw validation('Update.UpdateExpression is required');
      const { actions } = parseUpdate(input.UpdateExpression, placeholders, table.keyNames);
      write = () => {
        const item: Item = clone(table.items.get(key) ?? keyItem);
        for (const action of actions) action(item);
        table.items.set(key, item);
      };
    } else {
      refuseOthers(`TransactWriteItems ${kind}`, input, [...common, 'Key']);
      key = table.keyOf(checkItem(input.Key, `${kind}.Key`));
      if (kind === 'Delete') write = () => table.items.delete(key);
      else if (typeof input.ConditionExpression !== 'string')
        throw validation('ConditionCheck.ConditionExpression is required');
    }
    const condition = conditionOf(input, placeholders);
    placeholders.checkAllUsed();
    const old = table.items.get(key);
    return {
      target: `${String(input.TableName)}/${key}`,
      holds: !condition || condition(old),
      old: input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? old : undefined,
      write,
    };
  };
  // ClientRequestToken → the transaction's digest: a repeat within 10 minutes succeeds without writing again.
  const tokens = new Map<string, { digest: string; at: number }>();

  return {
    targetPrefix: 'DynamoDB_20120810',
    service: 'dynamodb',
    resourceKey,
    world,
    operations: {
      GetItem: (input) => {
        refuseOthers('GetItem', input, [...COMMON, 'Key', 'ConsistentRead']);
        const table = tableOf(input);
        booleanMember(input, 'ConsistentRead');
        const item = table.items.get(table.keyOf(checkItem(input.Key, 'Key')));
        return item ? { Item: clone(item) } : {};
      },

      PutItem: (input) => {
        refuseOthers('PutItem', input, [...CONDITIONAL, 'Item']);
        const table = tableOf(input);
        const item = checkItem(input.Item, 'Item');
        const key = table.itemKeyOf(item);
        const returnValues = enumMember(input, 'ReturnValues', ['NONE', 'ALL_OLD'], 'NONE');
        const old = guard(input, table, key);
        table.items.set(key, clone(item));
        return returned(returnValues, old, item);
      },

      UpdateItem: (input) => {
        refuseOthers('UpdateItem', input, [...CONDITIONAL, 'Key', 'UpdateExpression']);
        const table = tableOf(input);
        const keyItem = checkItem(input.Key, 'Key');
        const key = table.keyOf(keyItem);
        const returnValues = enumMember(
          input,
          'ReturnValues',
          ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'],
          'NONE',
        );
        if (typeof input.UpdateExpression !== 'string')
          throw validation(
            'The sandbox requires UpdateExpression for UpdateItem (AttributeUpdates is outside the subset)',
          );
        const placeholders = placeholdersOf(input);
        const { actions, updated } = parseUpdate(input.UpdateExpression, placeholders, table.keyNames);
        const old = guard(input, table, key, placeholders);
        // Apply to a copy: an expression that fails half-way must leave the stored item as it was.
        const item: Item = old ? clone(old) : clone(keyItem);
        for (const action of actions) action(item);
        table.items.set(key, item);
        return returned(returnValues, old, item, updated);
      },

      DeleteItem: (input) => {
        refuseOthers('DeleteItem', input, [...CONDITIONAL, 'Key']);
        const table = tableOf(input);
        const key = table.keyOf(checkItem(input.Key, 'Key'));
        const returnValues = enumMember(input, 'ReturnValues', ['NONE', 'ALL_OLD'], 'NONE');
        const old = guard(input, table, key);
        table.items.delete(key);
        return returned(returnValues, old, undefined);
      },

      Query: (input) => {
        refuseOthers('Query', input, [
          ...COMMON,
          'KeyConditionExpression',
          'FilterExpression',
          'ExpressionAttributeNames',
          'ExpressionAttributeValues',
          'Limit',
          'ExclusiveStartKey',
          'ScanIndexForward',
          'ConsistentRead',
          'Select',
        ]);
        const table = tableOf(input);
        booleanMember(input, 'ConsistentRead');
        const forward = booleanMember(input, 'ScanIndexForward') ?? true;
        const select = enumMember(input, 'Select', ['ALL_ATTRIBUTES', 'COUNT'], 'ALL_ATTRIBUTES');
        const limit = input.Limit;
        if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1))
          throw validation(
            `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
          );
        if (typeof input.KeyConditionExpression !== 'string')
          throw validation(
            'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
          );
        const placeholders = placeholdersOf(input);
        const { partition, sort } = parseKeyCondition(
          input.KeyConditionExpression,
          placeholders,
          table.schema,
        );
        const filter =
          typeof input.FilterExpression === 'string'
            ? parseCondition(input.FilterExpression, placeholders, 'FilterExpression')
            : undefined;
        placeholders.checkAllUsed();
        const sortName = table.schema.sort?.name;
        const inKeyOrder = (a: Item, b: Item) =>
          (sortName ? order(a[sortName]!, b[sortName]!) : 0) * (forward ? 1 : -1);
        let candidates = [...table.items.values()]
          .filter((item) => compare(item[table.schema.partition.name], '=', partition))
          .filter((item) => sort(sortName ? item[sortName] : undefined))
          .sort(inKeyOrder);
        if (input.ExclusiveStartKey !== undefined) {
          const start = checkItem(input.ExclusiveStartKey, 'ExclusiveStartKey');
          table.keyOf(start);
          if (!compare(start[table.schema.partition.name], '=', partition))
            throw validation(
              'The provided starting key is outside query boundaries based on provided conditions',
            );
          if (!sort(sortName ? start[sortName] : undefined))
            throw validation('The provided starting key does not match the range key predicate');
          candidates = candidates.filter((item) => inKeyOrder(item, start) > 0);
        }
        // A page ends at Limit items read, or at 1 MB of them; filtered-out items count as read.
        const read: Item[] = [];
        let bytes = 0;
        for (const item of candidates) {
          if (limit !== undefined && read.length === limit) break;
          bytes += Buffer.byteLength(JSON.stringify(item));
          read.push(item);
          if (bytes >= MAX_PAGE_BYTES) break;
        }
        const matched = filter ? read.filter((item) => filter(item)) : read;
        // As documented, a LastEvaluatedKey comes with every page that stopped early, even when no item is
        // left after it ("Paginating table query results": it "does not necessarily mean that there is more").
        const stoppedEarly =
          read.length < candidates.length || (limit !== undefined && read.length === limit);
        return {
          ...(select === 'COUNT' ? {} : { Items: matched.map(clone) }),
          Count: matched.length,
          ScannedCount: read.length,
          ...(stoppedEarly && read.length > 0 ? { LastEvaluatedKey: table.keyAttributes(read.at(-1)!) } : {}),
        };
      },

      BatchWriteItem: (input) => {
        refuseOthers('BatchWriteItem', input, [
          'RequestItems',
          'ReturnConsumedCapacity',
          'ReturnItemCollectionMetrics',
        ]);
        const requests = input.RequestItems;
        if (requests === null || typeof requests !== 'object' || Array.isArray(requests))
          throw validation(
            "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
          );
        const lists = Object.entries(requests as Record<string, unknown>);
        const count = lists.reduce((n, [, list]) => n + (Array.isArray(list) ? list.length : 0), 0);
        if (count > MAX_BATCH_WRITES)
          throw validation('Too many items requested for the BatchWriteItem call');
        if (count === 0)
          throw validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length greater than or equal to 1]",
          );
        // Every request is checked before any is written: a bad one fails the whole batch.
        const writes: Array<() => void> = [];
        for (const [name, list] of lists) {
          const table = tableOf({ TableName: name });
          const keys = new Set<string>();
          for (const request of Array.isArray(list) ? (list as Json[]) : []) {
            const put = request?.PutRequest as Json | undefined;
            const del = request?.DeleteRequest as Json | undefined;
            if ((put === undefined) === (del === undefined))
              throw validation(
                `RequestItems.${name}: each write request holds exactly one of PutRequest and DeleteRequest`,
              );
            const item = put ? checkItem(put.Item, 'PutRequest.Item') : undefined;
            const key = item ? table.itemKeyOf(item) : table.keyOf(checkItem(del!.Key, 'DeleteRequest.Key'));
            if (keys.has(key)) throw validation('Provided list of item keys contains duplicates');
            keys.add(key);
            writes.push(item ? () => table.items.set(key, clone(item)) : () => table.items.delete(key));
          }
        }
        for (const write of writes) write();
        return { UnprocessedItems: {} };
      },

      BatchGetItem: (input) => {
        refuseOthers('BatchGetItem', input, ['RequestItems', 'ReturnConsumedCapacity']);
        const requests = input.RequestItems as Record<string, Json> | undefined;
        if (!requests || typeof requests !== 'object' || Object.keys(requests).length === 0)
          throw validation(
            "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
          );
        const responses: Record<string, Item[]> = {};
        let count = 0;
        for (const [name, request] of Object.entries(requests)) {
          refuseOthers(`BatchGetItem RequestItems.${name}`, request ?? {}, ['Keys', 'ConsistentRead']);
          const table = tableOf({ TableName: name });
          const keys = Array.isArray(request?.Keys) ? (request.Keys as unknown[]) : [];
          const seen = new Set<string>();
          responses[name] = [];
          for (const raw of keys) {
            const key = table.keyOf(checkItem(raw, 'Keys'));
            if (seen.has(key)) throw validation('Provided list of item keys contains duplicates');
            seen.add(key);
            const item = table.items.get(key);
            if (item) responses[name]!.push(clone(item));
          }
          count += keys.length;
        }
        if (count > MAX_BATCH_GETS) throw validation('Too many items requested for the BatchGetItem call');
        return { Responses: responses, UnprocessedKeys: {} };
      },

      // All or nothing, as DynamoDB documents TransactWriteItems: every condition is checked first; one that
      // fails cancels the whole transaction with a reason per action, and nothing is written.
      TransactWriteItems: (input, ctx) => {
        refuseOthers('TransactWriteItems', input, [
          'TransactItems',
          'ClientRequestToken',
          'ReturnConsumedCapacity',
          'ReturnItemCollectionMetrics',
        ]);
        const items = input.TransactItems;
        if (!Array.isArray(items) || items.length === 0 || items.length > MAX_TRANSACT_ITEMS)
          throw validation(
            `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACT_ITEMS} and greater than or equal to 1`,
          );
        const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
        const request = digest(JSON.stringify(items));
        const earlier = token ? tokens.get(token) : undefined;
        if (earlier && ctx.now() - earlier.at < 10 * 60_000) {
          if (earlier.digest !== request)
            throw new AwsApiError(
              'IdempotentParameterMismatchException',
              'The request uses the same client token as a previous, but non-identical request.',
            );
          return {};
        }
        const actions = (items as Json[]).map(transactAction);
        if (new Set(actions.map((a) => a.target)).size !== actions.length)
          throw validation('Transaction request cannot include multiple operations on one item');
        if (actions.some((a) => !a.holds)) {
          const reasons = actions.map((a) =>
            a.holds
              ? { Code: 'None' }
              : {
                  Code: 'ConditionalCheckFailed',
                  Message: 'The conditional request failed',
                  ...(a.old ? { Item: clone(a.old) } : {}),
                },
          );
          throw new AwsApiError(
            'TransactionCanceledException',
            `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
            400,
            { CancellationReasons: reasons },
          );
        }
        for (const action of actions) action.write?.();
        if (token) tokens.set(token, { digest: request, at: ctx.now() });
        return {};
      },
    },
  };
}
