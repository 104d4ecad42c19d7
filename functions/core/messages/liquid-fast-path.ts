/**
 * A shortcut for the commonest template: literal text and plain `{{ a.b.c }}` outputs, no tags, no
 * filters but Nudge's own locale filters without arguments (`{{ detail.at | local_time }}`; so no
 * output escaping either: the HTML engine adds an `escape` filter to every output).
 * Such a template is a concatenation, so it is rendered as one, without a Liquid `Context` and its
 * generators: the backtest renders one for most messages it replays.
 *
 * It must say exactly what LiquidJS says (tests/property/liquid-fast-path.property.test.ts holds it
 * to `renderSync`), so it only takes the cases whose LiquidJS reading is plain, and hands back
 * everything else (undefined) for LiquidJS to render or to fail on with its own error:
 * - a path whose first name is not an own property of the data, or is also a name on
 *   `Object.prototype` (LiquidJS looks it up in its empty root scope then, and finds nothing);
 * - anything read along the path that is not a plain object (arrays, class instances, Drops,
 *   `toLiquid` objects, functions), and the names `size`, `first` and `last`, which LiquidJS treats
 *   specially;
 * - a missing value (strict variables make that an error) and any final value other than a
 *   string, a number or a boolean (LiquidJS's `stringify` of those is `String(value)`).
 */
import { Output, type Template, TypeGuards } from 'liquidjs';
import { type FormatSettings, localeFormatters } from './locale-filters.ts';

/** An output: the property path it reads, and the argument-less locale filters it goes through. */
interface OutputPart {
  path: ReadonlyArray<string>;
  filters: ReadonlyArray<string>;
}

/** A literal piece of text, or an output. */
type Part = string | OutputPart;

const SPECIAL_NAMES = new Set(['size', 'first', 'last']);
const plans = new WeakMap<Template[], ReadonlyArray<Part> | null>();

/** The template as parts, when it has only literal text and filterless outputs of plain paths. */
function planOf(template: Template[]): ReadonlyArray<Part> | null {
  const parts: Part[] = [];
  for (const piece of template) {
    if (TypeGuards.isHTMLToken(piece.token)) {
      const text: unknown = Reflect.get(piece, 'str');
      if (typeof text !== 'string') return null;
      parts.push(text);
      continue;
    }
    if (!(piece instanceof Output)) return null;
    // Nudge's own locale filters without arguments (`{{ detail.at | local_time }}`) are plain
    // functions of the value and the render's settings; any other filter is LiquidJS's to run.
    const filters: string[] = [];
    for (const filter of piece.value.filters) {
      if (!Object.hasOwn(localeFormatters, filter.name) || filter.args.length > 0) return null;
      filters.push(filter.name);
    }
    const [only, ...more] = piece.value.initial.postfix;
    if (more.length > 0 || only === undefined || !TypeGuards.isPropertyAccessToken(only)) return null;
    if (only.variable !== undefined) return null;
    const path: string[] = [];
    for (const prop of only.props) {
      if (!TypeGuards.isWordToken(prop) || SPECIAL_NAMES.has(prop.content)) return null;
      path.push(prop.content);
    }
    if (path.length === 0) return null;
    parts.push({ path, filters });
  }
  return parts;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) && typeof Reflect.get(value, 'toLiquid') !== 'function'
  );
}

/** The value an output reads, or undefined when LiquidJS must say it. */
function readOutput(
  data: Record<string, unknown>,
  path: ReadonlyArray<string>,
): string | number | boolean | undefined {
  const [first] = path;
  if (first === undefined || first in Object.prototype || !isPlainObject(data)) return undefined;
  let current: unknown = data;
  for (const name of path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean'
    ? current
    : undefined;
}

/**
 * The text of one output, or undefined when LiquidJS must say it: a value outside the shortcut, or
 * a filter that refuses it (LiquidJS then renders and reports the error with its location).
 */
function outputOf(
  data: Record<string, unknown>,
  part: OutputPart,
  settings: FormatSettings | undefined,
): string | undefined {
  const value = readOutput(data, part.path);
  if (value === undefined) return undefined;
  if (part.filters.length === 0) return String(value);
  if (settings === undefined) return undefined;
  let text: unknown = value;
  try {
    for (const name of part.filters) text = localeFormatters[name]?.(settings, text);
  } catch {
    return undefined;
  }
  return typeof text === 'string' ? text : undefined;
}

/**
 * `template` rendered by concatenation with `data`, or undefined when the template or the data is
 * outside the shortcut (the caller renders with LiquidJS then).
 */
export function renderOutputsOnly(
  template: Template[],
  data: Record<string, unknown>,
  settings?: FormatSettings,
): string | undefined {
  let plan = plans.get(template);
  if (plan === undefined) {
    plan = planOf(template);
    plans.set(template, plan);
  }
  if (plan === null) return undefined;
  let text = '';
  for (const part of plan) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const value = outputOf(data, part, settings);
    if (value === undefined) return undefined;
    text += value;
  }
  return text;
}
