/**
 * Rendering for the backtest lane: the production renderer (render-factory.ts), its result kept
 * per template, channel, locale, zone and the values of the variables the template reads (Liquid's
 * own static analysis), shared by the two sides when their template files are the same. A
 * message that says the same thing to the same kind of customer is rendered once; any template
 * whose variables cannot be told statically is rendered every time.
 */
import { createHash } from 'node:crypto';
import type { MessageRecord } from '../app/message-record.ts';
import { renderTemplateData, templateData } from '../app/render-factory.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import type { TemplateCatalog } from '../core/messages/index.ts';
import { textEngine } from '../core/messages/liquid-engines.ts';
import type { RenderFn } from '../core/planning/decide.ts';
import type { Channel, Rule } from '../core/rules/rule-schema.ts';

type RenderOutcome = ReturnType<RenderFn>;

/** Variables a template reads, as segment paths; undefined when they cannot be told. */
type Segments = ReadonlyArray<ReadonlyArray<string | number | unknown>>;

const MAX_CACHED = 5_000;

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

/** Renders and remembers; one per backtest, shared by both sides. */
export class RenderCache {
  private readonly results = new Map<string, RenderOutcome>();
  hits = 0;
  misses = 0;

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

/** Short names of cache scopes (hashes of template files and defaults): every key carries one. */
const scopes = new Map<string, string>();

/** A side's renderer: its catalog, settings and template files (their hash scopes the cache). */
export class SideRenderer {
  private readonly scope: string;
  private readonly variables = new Map<string, Segments | undefined>();

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

  /** The variables every locale of a template reads on a channel (undefined: not statically known). */
  private segmentsOf(template: string, channel: Channel): Segments | undefined {
    const name = `${template}\u0000${channel}`;
    if (this.variables.has(name)) return this.variables.get(name);
    let segments: Segments | undefined = [];
    try {
      for (const parsed of this.catalog.templates.values()) {
        if (parsed.name !== template || parsed.channel !== channel) continue;
        const sections =
          parsed.channel === 'sms' ? [parsed.body] : [parsed.subject, parsed.text, parsed.html];
        for (const section of sections)
          if (section !== undefined)
            segments = [...segments, ...textEngine.globalVariableSegmentsSync(section.template)];
      }
    } catch {
      segments = undefined;
    }
    this.variables.set(name, segments);
    return segments;
  }

  render(
    record: MessageRecord,
    rule: Rule,
    profile: CustomerProfile,
    channel: Channel,
    locale: string,
    zone: string,
  ): RenderOutcome {
    const segments = this.segmentsOf(rule.template, channel);
    // The data is built once: for the key, and for the render on a miss.
    const data = templateData(record, rule, profile);
    if (segments === undefined)
      return renderTemplateData(this.catalog, this.settings, rule, data, channel, locale, zone);
    let key = `${this.scope}\u0000${rule.template}\u0000${channel}\u0000${locale}\u0000${rule.locale ?? ''}\u0000${zone}`;
    for (const path of segments) key += `\u0000${keyOf(data, path)}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const outcome = renderTemplateData(this.catalog, this.settings, rule, data, channel, locale, zone);
    this.cache.set(key, outcome);
    return outcome;
  }
}
