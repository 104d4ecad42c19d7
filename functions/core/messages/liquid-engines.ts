/**
 * The two LiquidJS engines message templates are parsed and rendered with, created once per process.
 *
 * Both are strict: an unknown variable or filter is an error, never an empty string, and only a
 * data object's own properties are visible (no `constructor`, no prototype getters). `lenientIf` is
 * on so a template can still ask about optional data explicitly — `{% if detail.discount %}` or
 * `{{ customer.firstName | default: 'kund' }}` — while a plain `{{ detail.typo }}` still fails.
 *
 * `templates: {}` makes `{% include %}` / `{% render %}` / `{% layout %}` look in an empty in-memory
 * map instead of the working directory: the core never reads files.
 */
import { Context, Liquid, type LiquidOptions, type Template } from 'liquidjs';
import { renderOutputsOnly } from './liquid-fast-path.ts';
import { FORMAT_SETTINGS_REGISTER, type FormatSettings, localeFilters } from './locale-filters.ts';

const STRICT_OPTIONS: LiquidOptions = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  lenientIf: true,
  templates: {},
  // Deterministic defaults for the built-in `date` filter; each render overrides both per customer.
  timezoneOffset: 0,
  locale: 'en',
};

function createEngine(options: LiquidOptions): Liquid {
  const engine = new Liquid({ ...STRICT_OPTIONS, ...options });
  for (const [name, filter] of Object.entries(localeFilters)) engine.registerFilter(name, filter);
  return engine;
}

/** SMS bodies, email subjects and plain-text bodies: output is written as is. */
export const textEngine: Liquid = createEngine({});

/**
 * Email HTML bodies: every `{{ output }}` is HTML-escaped unless piped through `raw`. Customer data
 * (names, addresses) is not markup, and forgetting `| escape` once would be an injection.
 */
export const htmlEngine: Liquid = createEngine({ outputEscape: 'escape' });

/**
 * Renders a pre-parsed template synchronously with the customer's data and format settings.
 * Throws LiquidJS errors (`UndefinedVariableError`, `RenderError` wrapping a `FilterInputError`, …)
 * for the caller to translate.
 */
export function renderParsed(
  engine: Liquid,
  template: Template[],
  data: Record<string, unknown>,
  settings: FormatSettings,
): string {
  // Literal text and plain outputs only: a concatenation, exactly as LiquidJS would write it.
  const plain = renderOutputsOnly(template, data, settings);
  if (plain !== undefined) return plain;
  // A Context of our own, rather than renderSync(template, data), is the way to give this one render
  // its own locale and zone: for the built-in `date` filter through the options it reads, and for
  // our filters through a register that templates cannot see.
  const context = new Context(
    data,
    { ...engine.options, locale: settings.locale, timezoneOffset: settings.timeZone },
    { sync: true },
    { liquid: engine },
  );
  context.setRegister(FORMAT_SETTINGS_REGISTER, settings);
  const rendered: unknown = engine.renderSync(template, context);
  return typeof rendered === 'string' ? rendered : String(rendered);
}
