/**
 * Rendering for the backtest lane: the production renderer (render-factory.ts). Two sides that
 * send the same message in the same step, with the same template files, defaults and rule fields
 * a render reads, for the same unchanged profile, render it once (`SharedRender`). Beyond that, a
 * result is kept per template, channel, locale, zone and the values of the variables the template
 * reads (Liquid's own static analysis), so a message that says the same thing to the same kind
 * of customer is rendered once; a template whose renders rarely repeat, or whose variables cannot
 * be told statically (analysis fails, or a bracket may read a variable by a computed name), is
 * rendered every time.
 */
import { createHash } from 'node:crypto';
import type { MessageRecord } from '../app/message-record.ts';
import { renderTemplateData, type TemplateCustomer, templateData } from '../app/render-factory.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import { textEngine } from '../core/messages/liquid-engines.ts';
import type { RenderFn } from '../core/planning/decide.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';

type RenderOutcome = ReturnType<RenderFn>;

/** Variables a template reads, as segment paths; undefined when they cannot be told. */
type Segments = ReadonlyArray<ReadonlyArray<string | number | unknown>>;

const MAX_CACHED = 5_000;
/** Renders of a template looked up in the cache before it is judged worth remembering. */
const CACHE_TRIAL = 2_000;
/** The share of those lookups that must have been hits for the template to stay in the cache. */
const CACHE_MIN_HITS = 0.1;

/** A template's use of the cache on one channel (see `SideRenderer.render`). */
interface CacheUse {
  /** The variables it reads; undefined when they cannot be told (never cached). */
  segments: Segments | undefined;
  /** Whether its renders are still looked up and remembered. */
  remember: boolean;
  lookups: number;
  hits: number;
}

/** The value a template can see at `path`, as far as it can be followed (a superset key). */
function keyOf(data: unknown, path: ReadonlyArray<unknown>): string {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') break;
    if ((typeof segment !== 'string' && typeof segment !== 'number') || !Object.hasOwn(current, segment))
      break;
    current = Reflect.get(current, segment);
  }
  return current === undefined ? '\u0001' : (JSON.stringify(current) ?? '\u0002');
}

/**
 * One side's render of a message in the current step, with everything the render read: the other
 * side's send of the same message takes it when all of it is the same (see `RenderCache.shared`).
 */
export interface SharedRender {
  /** The side's template files and defaults, and the rule fields a render reads ({@link SideRenderer.fingerprintOf}). */
  fingerprint: string;
  /** The message's trigger: one object per event and cut of its detail (backtest-lane.ts `triggerOf`). */
  trigger: unknown;
  customerId: string;
  sendAtMs: number;
  profile: unknown;
  channel: Channel;
  locale: string;
  zone: string;
  outcome: RenderOutcome;
}

/** Renders and remembers; one per backtest, shared by both sides. */
export class RenderCache {
  private readonly results = new Map<string, RenderOutcome>();
  /** Renders since a profile last merged, by message id. */
  private readonly sinceMerge = new Map<string, SharedRender>();
  hits = 0;
  misses = 0;

  /**
   * Forgets the renders shared so far. Called before a profile merges (the one place a profile
   * changes): between two calls, the same message, event, profile and send time render the same.
   * Both sides send a due message in the same step (they drain to the same time), before it.
   */
  forgetShared(): void {
    if (this.sinceMerge.size > 0) this.sinceMerge.clear();
  }

  /** The render of message `messageId` made earlier in this step, if any. */
  shared(messageId: string): SharedRender | undefined {
    return this.sinceMerge.get(messageId);
  }

  share(messageId: string, render: SharedRender): void {
    this.sinceMerge.set(messageId, render);
  }

  get(key: string): RenderOutcome | undefined {
    const found = this.results.get(key);
    if (found !== undefined) this.hits++;
    return found;
  }

  set(key: string, outcome: RenderOutcome): void {
    this.misses++;
    if (this.results.size >= MAX_CACHED) this.results.clear();
    this.results.set(key, outcome);
  }
}

/** Names LiquidJS answers for an object without such a key (`size` counts its keys), and `__proto__`. */
const WHOLE_READS: ReadonlySet<string> = new Set(['size', 'first', 'last', '__proto__']);

/** Short names of cache scopes (hashes of template files and defaults): every key carries one. */
const scopes = new Map<string, string>();

/** A side's renderer: its catalog, settings and template files (their hash scopes the cache). */
export class SideRenderer {
  private readonly scope: string;
  private readonly uses = new Map<string, Map<Channel, CacheUse>>();
  private readonly fingerprints = new Map<Rule, string>();
  private readonly detailKeysByRule = new Map<Rule, ReadonlyArray<string> | undefined>();

  constructor(
    private readonly catalog: TemplateCatalog,
    private readonly settings: EngineSettings,
    files: Readonly<Record<string, string>>,
    private readonly cache: RenderCache,
  ) {
    const sorted = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1));
    const hash = createHash('sha256')
      .update(JSON.stringify([sorted, settings.defaults]))
      .digest('hex');
    this.scope = scopes.get(hash) ?? `s${scopes.size}`;
    scopes.set(hash, this.scope);
  }

  /**
   * What a render of `rule` depends on besides the message, the profile and the channel, locale
   * and zone: this side's template files and defaults (the scope) and the rule's fields that
   * `templateData` and `renderTemplateData` read. Two sides' renders of one message are the same
   * when their fingerprints are (the rest of the rule, its window for instance, is not read).
   */
  fingerprintOf(rule: Rule): string {
    let found = this.fingerprints.get(rule);
    if (found === undefined) {
      const read = [
        rule.id,
        rule.template,
        rule.locale ?? null,
        rule.vars ?? null,
        rule.replies?.expect ?? null,
      ];
      found = `${this.scope}\u0000${JSON.stringify(read)}`;
      this.fingerprints.set(rule, found);
    }
    return found;
  }

  /**
   * The keys of `detail` the rule's templates read on its channels, sorted; undefined when one
   * may read more than named keys: the whole detail, a computed name (segmentsOf), an index, or a
   * name LiquidJS answers for any object (`size`, `first`, `last`), or `__proto__`.
   */
  detailKeys(rule: Rule): ReadonlyArray<string> | undefined {
    if (!this.detailKeysByRule.has(rule)) this.detailKeysByRule.set(rule, this.readKeys(rule));
    return this.detailKeysByRule.get(rule);
  }

  private readKeys(rule: Rule): ReadonlyArray<string> | undefined {
    const found = new Set<string>();
    for (const channel of rule.channels) {
      const segments = this.useOf(rule.template, channel).segments;
      if (segments === undefined) return undefined;
      for (const path of segments) {
        if (path[0] !== 'detail') continue;
        const key = path[1];
        if (typeof key !== 'string' || WHOLE_READS.has(key)) return undefined;
        found.add(key);
      }
    }
    return [...found].sort();
  }

  /** A template's use of the cache on a channel: its variables, and how often its renders repeated. */
  private useOf(template: string, channel: Channel): CacheUse {
    let byChannel = this.uses.get(template);
    if (byChannel === undefined) {
      byChannel = new Map();
      this.uses.set(template, byChannel);
    }
    let use = byChannel.get(channel);
    if (use === undefined) {
      const segments = this.segmentsOf(template, channel);
      use = { segments, remember: segments !== undefined, lookups: 0, hits: 0 };
      byChannel.set(channel, use);
    }
    return use;
  }

  /** The variables every locale of a template reads on a channel (undefined: not statically known). */
  private segmentsOf(template: string, channel: Channel): Segments | undefined {
    let segments: Segments | undefined = [];
    try {
      for (const parsed of this.catalog.templates.values()) {
        if (parsed.name !== template || parsed.channel !== channel) continue;
        const sections =
          parsed.channel === 'sms' ? [parsed.body] : [parsed.subject, parsed.text, parsed.html];
        for (const section of sections) {
          if (section === undefined) continue;
          // A variable read by a computed name (`{% assign k = "detail" %}{{ [k].ref }}`) is in no
          // segment Liquid lists: a template with a bracket anywhere is never remembered.
          if (section.template.some((piece) => piece.token.input.includes('['))) return undefined;
          segments = [...segments, ...textEngine.globalVariableSegmentsSync(section.template)];
        }
      }
    } catch {
      segments = undefined;
    }
    return segments;
  }

  render(
    record: MessageRecord,
    rule: Rule,
    profile: TemplateCustomer,
    channel: Channel,
    locale: string,
    zone: string,
  ): RenderOutcome {
    const use = this.useOf(rule.template, channel);
    // The data is built once: for the key, and for the render on a miss.
    const data = templateData(record, rule, profile);
    const segments = use.segments;
    if (!use.remember || segments === undefined)
      return renderTemplateData(this.catalog, this.settings, rule, data, channel, locale, zone);
    let key = `${this.scope}\u0000${rule.template}\u0000${channel}\u0000${locale}\u0000${rule.locale ?? ''}\u0000${zone}`;
    for (const path of segments) key += `\u0000${keyOf(data, path)}`;
    use.lookups++;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      use.hits++;
      return cached;
    }
    const outcome = renderTemplateData(this.catalog, this.settings, rule, data, channel, locale, zone);
    this.cache.set(key, outcome);
    // A template whose renders rarely repeat (it quotes a booking reference, say) is rendered
    // directly from then on: its keys cost more than the few renders they would save.
    if (use.lookups >= CACHE_TRIAL && use.hits < use.lookups * CACHE_MIN_HITS) use.remember = false;
    return outcome;
  }
}
