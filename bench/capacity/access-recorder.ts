/**
 * An SDK middleware that records every DynamoDB call by the partition it lands on: the table key
 * prefix (`MSG#…` → `table:MSG`) or the index, and the capacity units DynamoDB reports for it
 * (`ReturnConsumedCapacity: INDEXES`, so an item write's index writes are reported per index).
 * DynamoDB Local reports units as the service bills them. Used by the capacity model's measured
 * pass; it changes nothing else about the requests.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments } from '@smithy/types';
import * as z from 'zod';
import type { Access, Target } from './profile.ts';

const READS: ReadonlySet<string> = new Set(['GetItem', 'Query', 'BatchGetItem']);
const WRITES: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);

const Units = z.object({ CapacityUnits: z.number().optional() }).passthrough();
const Consumed = z.object({
  CapacityUnits: z.number().optional(),
  Table: Units.optional(),
  GlobalSecondaryIndexes: z.record(z.string(), Units).optional(),
});
const ConsumedList = z.union([Consumed, z.array(Consumed)]);

/** A key attribute as either client passes it: `'MSG#1'` (document client) or `{ S: 'MSG#1' }`. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const s = z.object({ S: z.string() }).safeParse(value);
  return s.success ? s.data.S : undefined;
}

/** `MSG#m-1` → `table:MSG`; a key without a prefix keeps the whole value's kind. */
function tableTarget(pk: string | undefined): Target {
  const match = pk === undefined ? null : /^([A-Z]+)#/.exec(pk);
  return `table:${match?.[1] ?? 'other'}`;
}

const Keyed = z.object({ PK: z.unknown() }).passthrough();

/** The table partitions a request names (one per key of a BatchGetItem). */
function targetsOf(operation: string, input: Record<string, unknown>): Target[] {
  if (operation === 'BatchGetItem') {
    const tables = z
      .record(z.string(), z.object({ Keys: z.array(Keyed) }).passthrough())
      .safeParse(input.RequestItems);
    if (!tables.success) return ['table:other'];
    return Object.values(tables.data).flatMap((table) => table.Keys.map((key) => tableTarget(text(key.PK))));
  }
  if (operation === 'TransactWriteItems') {
    // Every item of the transaction (a message write and its rule counters, issue 13); the table
    // reports one figure for all of them (2 units per KB each), shared evenly like a batch's.
    const actions = z
      .array(z.record(z.string(), z.object({ Key: Keyed.optional(), Item: Keyed.optional() }).passthrough()))
      .catch([])
      .parse(input.TransactItems);
    const targets = actions.flatMap((action) =>
      Object.values(action).map((entry) => tableTarget(text((entry.Key ?? entry.Item)?.PK))),
    );
    return targets.length > 0 ? targets : ['table:other'];
  }
  if (operation === 'Query') {
    if (typeof input.IndexName === 'string') return [`index:${input.IndexName}`];
    const values = Object.values(
      z.record(z.string(), z.unknown()).catch({}).parse(input.ExpressionAttributeValues),
    );
    const pk = values.map(text).find((value) => value !== undefined && /^[A-Z]+#/.test(value));
    return [tableTarget(pk)];
  }
  const item = Keyed.safeParse(input.Key ?? input.Item);
  return [tableTarget(item.success ? text(item.data.PK) : undefined)];
}

/** Running totals by target and operation kind, and calls by API operation. */
class Tallies {
  private readonly byTarget = new Map<string, { calls: number; units: number; windowCount: boolean }>();
  private readonly byOperation = new Map<string, number>();
  readonly sizes = new Map<Target, number[]>();

  add(target: Target, op: Access['op'], calls: number, units: number, windowCount: boolean): void {
    const key = `${target} ${op} ${windowCount}`;
    const entry = this.byTarget.get(key) ?? { calls: 0, units: 0, windowCount };
    entry.calls += calls;
    entry.units += units;
    this.byTarget.set(key, entry);
  }

  call(operation: string): void {
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }

  accesses(per: number): Access[] {
    return [...this.byTarget.entries()]
      .map(([key, entry]) => {
        const [target = 'table:other', op] = key.split(' ');
        return {
          target,
          op: op === 'write' ? ('write' as const) : ('read' as const),
          calls: entry.calls / per,
          units: entry.units / per,
          windowCount: entry.windowCount,
        };
      })
      .sort((a, b) => a.target.localeCompare(b.target) || a.op.localeCompare(b.op));
  }

  operations(per: number): Record<string, number> {
    return Object.fromEntries([...this.byOperation.entries()].sort().map(([name, n]) => [name, n / per]));
  }

  reset(): void {
    this.byTarget.clear();
    this.byOperation.clear();
    this.sizes.clear();
  }
}

/** Records the calls through one client; read with {@link AccessRecorder.accesses}. */
export interface AccessRecorder {
  /** Accesses since the last reset, divided by `per` (units of work). */
  accesses(per: number): Access[];
  /** Calls by API operation (`GetItem`, `PutItem`, …) since the last reset, divided by `per`. */
  operations(per: number): Record<string, number>;
  /** Item sizes (bytes, DynamoDB's rules) of the PutItems since the last reset, by target. */
  putSizes(): ReadonlyMap<Target, number[]>;
  reset(): void;
  stop(): void;
}

/** One DynamoDB call as the recorder sees it. */
interface Call {
  op: Access['op'];
  operation: string;
  targets: Target[];
  windowCount: boolean;
}

/** Books one answered (or failed) call: table units by key, index units by index. */
function book(tallies: Tallies, call: Call, output: unknown): void {
  const { op, operation, targets, windowCount } = call;
  if (output === undefined) {
    // A failed conditional write still costs its units; the service does not report them.
    for (const target of targets)
      tallies.add(target, op, 1 / targets.length, op === 'write' ? 1 : 0, windowCount);
    return;
  }
  const consumed = ConsumedList.safeParse(Reflect.get(output ?? {}, 'ConsumedCapacity'));
  const entries = consumed.success ? [consumed.data].flat() : [];
  const tableUnits = entries.reduce((sum, e) => sum + (e.Table?.CapacityUnits ?? e.CapacityUnits ?? 0), 0);
  for (const target of targets) {
    // A BatchGetItem reports one figure for its table: shared evenly by its keys.
    const share = target.startsWith('index:') ? 0 : tableUnits / targets.length;
    // A read of a missing item still costs a unit; DynamoDB Local reports none for it.
    const units = op === 'read' && !target.startsWith('index:') ? Math.max(share, 1) : share;
    tallies.add(target, op, 1, units, windowCount);
  }
  for (const entry of entries) {
    for (const [index, units] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
      // Index units of a write are index writes; of a Query on an index, its reads.
      tallies.add(`index:${index}`, op, operation === 'Query' ? 0 : 1, units.CapacityUnits ?? 0, windowCount);
    }
  }
}

let recorders = 0;

/** Adds the recording middleware to `client` (the runtime's DynamoDB client). */
export function recordAccesses(client: DynamoDBClient): AccessRecorder {
  const tallies = new Tallies();
  const name = `nudge-capacity-accesses-${++recorders}`;
  const middleware =
    <Input extends object, Output extends object>(
      next: InitializeHandler<Input, Output>,
      context: HandlerExecutionContext,
    ) =>
    async (args: InitializeHandlerArguments<Input>) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const op = READS.has(operation) ? 'read' : WRITES.has(operation) ? 'write' : undefined;
      if (op === undefined) return next(args);
      tallies.call(operation);
      Reflect.set(args.input, 'ReturnConsumedCapacity', 'INDEXES');
      const input = z.record(z.string(), z.unknown()).parse({ ...args.input });
      const targets = targetsOf(operation, input);
      if (operation === 'PutItem') {
        const target = targets[0] ?? 'table:other';
        tallies.sizes.set(target, [...(tallies.sizes.get(target) ?? []), itemBytes(input.Item)]);
      }
      const call: Call = {
        op,
        operation,
        targets,
        windowCount: operation === 'Query' && input.Select === 'COUNT',
      };
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        book(tallies, call, undefined);
        throw error;
      }
      book(tallies, call, result.output);
      return result;
    };
  client.middlewareStack.add(middleware, { step: 'initialize', name, priority: 'high' });
  return {
    accesses: (per) => tallies.accesses(per),
    operations: (per) => tallies.operations(per),
    putSizes: () => tallies.sizes,
    reset: () => tallies.reset(),
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}

/**
 * The size of an item by DynamoDB's rules (attribute names plus values: strings in UTF-8 bytes,
 * numbers about one byte per two digits plus one, 3 bytes of overhead per map or list), for
 * either client's shape. Close enough to turn "entries in a window" into read units.
 */
function itemBytes(item: unknown): number {
  const record = z.record(z.string(), z.unknown()).safeParse(item);
  if (!record.success) return 0;
  return Object.entries(record.data).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(value).replace(/[-.]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Set) return [...value].reduce((sum: number, member) => sum + valueBytes(member), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, member) => sum + 1 + valueBytes(member), 0);
  const attribute = z
    .object({ S: z.string() })
    .or(z.object({ N: z.string() }))
    .safeParse(value);
  if (attribute.success) {
    return 'S' in attribute.data ? Buffer.byteLength(attribute.data.S) : valueBytes(Number(attribute.data.N));
  }
  const map = z.record(z.string(), z.unknown()).safeParse(value);
  if (!map.success) return 0;
  const inner = z.object({ M: z.record(z.string(), z.unknown()) }).safeParse(value);
  return 3 + itemBytes(inner.success ? inner.data.M : map.data);
}
