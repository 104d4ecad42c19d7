/**
 * A shortcut for the commonest template: literal text and plain `{{ a.b.c }}` outputs, no tags, no
 * filters (so no output escaping either: the HTML engine adds an `escape` filter to every output).
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

/** A literal piece of text, or the property path of an output. */
type Part = string | ReadonlyArray<string>;

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
    if (!(piece instanceof Output) || piece.value.filters.length > 0) return null;
    const [only, ...more] = piece.value.initial.postfix;
    if (more.length > 0 || only === undefined || !TypeGuards.isPropertyAccessToken(only)) return null;
    if (only.variable !== undefined) return null;
    const path: string[] = [];
    for (const prop of only.props) {
      if (!TypeGuards.isWordToken(prop) || SPECIAL_NAMES.has(prop.content)) return null;
      path.push(prop.content);
    }
    if (path.length === 0) return null;
    parts.push(path);
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

/** The text of one output, or undefined when LiquidJS must say it. */
function outputOf(data: Record<string, unknown>, path: ReadonlyArray<string>): string | undefined {
  const [first] = path;
  if (first === undefined || first in Object.prototype || !isPlainObject(data)) return undefined;
  let current: unknown = data;
  for (const name of path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return undefined;
}

/**
 * `template` rendered by concatenation with `data`, or undefined when the template or the data is
 * outside the shortcut (the caller renders with LiquidJS then).
 */
export function renderOutputsOnly(template: Template[], data: Record<string, unknown>): string | undefined {
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
    const value = outputOf(data, part);
    if (value === undefined) return undefined;
    text += value;
  }
  return text;
}
