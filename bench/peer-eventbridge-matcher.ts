/**
 * A published JavaScript EventBridge pattern matcher to compare ours with:
 * `serverless-offline-aws-eventbridge`. It is NOT a dependency of Nudge (it weighs 229 MB with
 * the serverless toolchain it pulls in): `npm run bench:peer` installs it into `bench/.peer`
 * (git-ignored), and {@link loadPeer} finds it there only, never in the project's node_modules.
 *
 * Its matching is not an exported function but methods of the serverless plugin class, so this
 * builds the plugin (its constructor only stores its arguments and registers hooks: nothing
 * starts) and calls `verifyIsSubscribed` for every subscriber, exactly as the plugin's own
 * `invokeSubscribers` filters subscribers for each `PutEvents` entry.
 *
 * What it cannot express is decided here, before timing, so its rate is measured only on the
 * patterns it implements: it reads `source`, `detail-type` and `detail` only (a top-level `$or`
 * or any other top-level field is silently ignored, which would over-match), and it knows exact
 * strings, numbers and booleans, `prefix`/`suffix`/`equals-ignore-case` with a string,
 * `anything-but` with scalars, `numeric` and `exists`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventPattern } from '../functions/core/pattern/index.ts';

/** The package compared against, for the report. */
export const PEER_NAME = 'serverless-offline-aws-eventbridge';
/** The version `npm run bench:peer` installs (package.json), the one the comparison was written for. */
const PEER_VERSION = '2.2.4';
/** Where `npm run bench:peer` installs it: outside the project's dependency tree. */
const PEER_PREFIX = join(dirname(fileURLToPath(import.meta.url)), '.peer');
const PEER_DIR = join(PEER_PREFIX, 'node_modules', PEER_NAME);

/** A `PutEvents` entry as the plugin receives it: `Detail` is the JSON text. */
interface PeerEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
}

/** A function's `eventBridge` event from serverless.yml: only `pattern` matters here. */
interface PeerSubscriber {
  functionKey: string;
  event: { pattern: Record<string, unknown>; eventBus?: string };
}

/** The part of the plugin (CommonJS, ships no types) that the benchmark calls. */
interface PeerPlugin {
  verifyIsSubscribed(subscriber: PeerSubscriber, entry: PeerEntry): boolean;
}
type PeerPluginClass = new (
  serverless: unknown,
  options: unknown,
  logging: { log: { notice(message: string): void } },
) => PeerPlugin;

/** The loaded peer, or why the comparison cannot run and how to enable it. */
export type LoadedPeer =
  | { ok: true; version: string; plugin: PeerPluginClass }
  | { ok: false; reason: string };

/**
 * Loads the plugin from `bench/.peer`. Absent, the answer says how to install it; present in
 * another version, it still loads, and the version goes into the report.
 */
export function loadPeer(): LoadedPeer {
  const where = relative(process.cwd(), PEER_PREFIX) || PEER_PREFIX;
  if (!existsSync(join(PEER_DIR, 'package.json'))) {
    return {
      ok: false,
      reason: `${PEER_NAME} is not installed in ${where}. It is optional (229 MB, not a dependency of Nudge): \`npm run bench:peer\` installs ${PEER_NAME}@${PEER_VERSION} there, then run the benchmark again to compare.`,
    };
  }
  const load = createRequire(join(PEER_PREFIX, 'package.json'));
  const manifest: unknown = load(join(PEER_DIR, 'package.json'));
  const version = Reflect.get(Object(manifest), 'version');
  const plugin: unknown = load(PEER_DIR);
  if (!isPeerPluginClass(plugin)) {
    return { ok: false, reason: `${PEER_NAME} in ${where} does not export the plugin class it used to` };
  }
  return { ok: true, version: typeof version === 'string' ? version : 'unknown', plugin };
}

function isPeerPluginClass(value: unknown): value is PeerPluginClass {
  return (
    typeof value === 'function' &&
    typeof Reflect.get(value.prototype ?? {}, 'verifyIsSubscribed') === 'function'
  );
}

const TOP_LEVEL_FIELDS: ReadonlySet<string> = new Set(['source', 'detail-type', 'detail']);
const STRING_OPERATORS: ReadonlySet<string> = new Set(['prefix', 'suffix', 'equals-ignore-case']);

/** Why the peer cannot express `pattern`, or undefined when it can. */
export function peerLimitation(pattern: EventPattern): string | undefined {
  for (const [field, value] of Object.entries(pattern)) {
    if (field === '$or') return 'top-level $or (the plugin ignores it and would match everything)';
    if (!TOP_LEVEL_FIELDS.has(field)) return `top-level field ${field} (the plugin ignores it)`;
    const problem = field === 'detail' ? nestedLimitation(value, 'detail') : valuesLimitation(value, field);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function nestedLimitation(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) return valuesLimitation(value, path);
  if (typeof value !== 'object' || value === null) return `${path}: not a pattern`;
  for (const [field, inner] of Object.entries(value)) {
    if (field === '$or') return `${path}.$or`;
    const problem = nestedLimitation(inner, `${path}.${field}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function valuesLimitation(values: unknown, path: string): string | undefined {
  if (!Array.isArray(values)) return `${path}: expected a list of values`;
  for (const value of values) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') continue;
    // `typeof null` is 'object' to the plugin, which then throws on `'exists' in null`.
    if (typeof value !== 'object' || value === null) return `${path}: null`;
    const [operator, operand] = Object.entries(value)[0] ?? ['', undefined];
    if (STRING_OPERATORS.has(operator) && typeof operand === 'string') continue;
    if (operator === 'numeric' || operator === 'exists') continue;
    if (operator === 'anything-but' && isScalarList(operand)) continue;
    return `${path}: ${operator} ${JSON.stringify(operand)}`;
  }
  return undefined;
}

function isScalarList(operand: unknown): boolean {
  const list = Array.isArray(operand) ? operand : [operand];
  return list.every((item) => typeof item === 'string' || typeof item === 'number');
}

/** The `PutEvents` entry the plugin would receive for an event envelope. */
export function toPeerEntry(event: unknown): PeerEntry {
  if (typeof event !== 'object' || event === null) throw new TypeError('an event is an object');
  const source: unknown = Reflect.get(event, 'source');
  const detailType: unknown = Reflect.get(event, 'detail-type');
  if (typeof source !== 'string' || typeof detailType !== 'string') {
    throw new TypeError('an event has a string source and detail-type');
  }
  return { Source: source, DetailType: detailType, Detail: JSON.stringify(Reflect.get(event, 'detail')) };
}

/** The peer matcher over a rule set; positions are the rules' positions in the set. */
export interface PeerMatcher {
  /** Positions of the expressible rules whose pattern matches, ascending. */
  match(entry: PeerEntry): number[];
  /** Positions of the rules left out, with the reason. */
  excluded: ReadonlyArray<{ position: number; reason: string }>;
}

/** Builds the plugin with one subscriber per expressible pattern. */
export function createPeerMatcher(
  Plugin: PeerPluginClass,
  patterns: ReadonlyArray<EventPattern>,
): PeerMatcher {
  const plugin = new Plugin({}, {}, { log: { notice: () => undefined } });
  const subscribers: Array<{ position: number; subscriber: PeerSubscriber }> = [];
  const excluded: Array<{ position: number; reason: string }> = [];
  patterns.forEach((pattern, position) => {
    const reason = peerLimitation(pattern);
    if (reason !== undefined) excluded.push({ position, reason });
    else subscribers.push({ position, subscriber: { functionKey: `rule-${position}`, event: { pattern } } });
  });
  return {
    match: (entry) => {
      const matched: number[] = [];
      for (const { position, subscriber } of subscribers) {
        if (plugin.verifyIsSubscribed(subscriber, entry)) matched.push(position);
      }
      return matched;
    },
    excluded,
  };
}

/** Runs the peer on one pattern and entry; a throw is reported, since the plugin throws on some inputs. */
export function peerMatchesOne(
  Plugin: PeerPluginClass,
  pattern: EventPattern,
  entry: PeerEntry,
): boolean | string {
  const plugin = new Plugin({}, {}, { log: { notice: () => undefined } });
  try {
    return plugin.verifyIsSubscribed({ functionKey: 'probe', event: { pattern } }, entry);
  } catch (error) {
    return `throws ${error instanceof Error ? error.name : 'error'}`;
  }
}
