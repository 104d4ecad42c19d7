import fc from 'fast-check';
import { Context, type Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { htmlEngine, renderParsed, textEngine } from '../../functions/core/messages/liquid-engines.ts';
import { renderOutputsOnly } from '../../functions/core/messages/liquid-fast-path.ts';
import { FORMAT_SETTINGS_REGISTER, FormatSettings } from '../../functions/core/messages/locale-filters.ts';

// Names a template may read: mostly ordinary ones, sometimes LiquidJS's special `size`/`first`/`last`
// and names every object inherits (which strict, own-property-only LiquidJS must not read).
const name = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('customer', 'detail', 'ref', 'a', 'b') },
  { weight: 1, arbitrary: fc.constantFrom('size', 'first', 'last', 'constructor', 'toString') },
);

const leaf = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.string({ unit: fc.constantFrom('a', ' ', '<', '&', '"', "'", 'å', '{', '}', '\n', '😀') }),
  },
  { weight: 2, arbitrary: fc.integer() },
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(new Date(Date.UTC(2026, 11, 6, 9, 30))),
  // What the locale filters read: instants, dates, wall times, durations, and ones they refuse.
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '2026-12-06T09:30:00Z',
      '2026-12-06T09:30:00.250+01:00',
      '2026-03-29T01:30Z',
      '2026-12-06',
      '2026-12-06T09:30',
      '2026-02-30T10:00:00Z',
      'PT1H30M',
      'PT0S',
      'soon',
      '1234.5',
    ),
  },
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), tie('array'), tie('bare')),
  object: fc.dictionary(name, tie('value'), { maxKeys: 4 }),
  // An object without a prototype, as JSON.parse never makes but code might.
  bare: fc
    .dictionary(name, tie('value'), { maxKeys: 3 })
    .map((entries) => Object.assign(Object.create(null), entries)),
  array: fc.array(tie('value'), { maxLength: 3 }),
}));

const data = fc.dictionary(name, value, { maxKeys: 5 });

/** Every property path in `scope` (own enumerable keys, through objects and arrays). */
function pathsIn(scope: unknown, prefix: string[] = []): string[][] {
  if (scope === null || typeof scope !== 'object') return [];
  return Object.keys(scope).flatMap((key) => {
    const here = [...prefix, key];
    return [here, ...pathsIn(Reflect.get(scope, key), here)];
  });
}

/** Paths mostly found in the data (so outputs have values), some made up (so some are missing). */
function pathIn(scope: Record<string, unknown>): fc.Arbitrary<string> {
  const found = pathsIn(scope).filter((names) => names.every((name) => /^[a-zA-Z_]\w*$/.test(name)));
  const madeUp = fc.array(name, { minLength: 1, maxLength: 3 });
  const names =
    found.length === 0 ? madeUp : fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...found) }, madeUp);
  return names.map((parts) => parts.join('.'));
}

function outputIn(scope: Record<string, unknown>): fc.Arbitrary<string> {
  const path = pathIn(scope);
  return fc.oneof(
    { weight: 6, arbitrary: path.map((p) => `{{ ${p} }}`) },
    { weight: 2, arbitrary: path.map((p) => `{{${p}}}`) },
    { weight: 2, arbitrary: path.map((p) => `{{- ${p} -}}`) },
    { weight: 1, arbitrary: path.map((p) => `{{ ${p}[0] }}`) },
    { weight: 1, arbitrary: path.map((p) => `{{ ${p}["ref"] }}`) },
    { weight: 1, arbitrary: path.map((p) => `{{ ${p} | upcase }}`) },
    // Nudge's locale filters: without arguments the shortcut runs them, with one LiquidJS does.
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          path,
          fc.constantFrom('local_time', 'local_date', 'local_datetime', 'weekday', 'number', 'duration'),
        )
        .map(([p, filter]) => `{{ ${p} | ${filter} }}`),
    },
    { weight: 1, arbitrary: path.map((p) => `{{ ${p} | local_date | weekday }}`) },
    { weight: 1, arbitrary: path.map((p) => `{{ ${p} | local_time: 'medium' }}`) },
    { weight: 1, arbitrary: fc.constantFrom("{{ 'x' }}", '{{ 3 }}', '{{ nil }}', '{% if a %}A{% endif %}') },
  );
}

// Literal text, never the start of a tag or output.
const literal = fc
  .string({ unit: fc.constantFrom('a', ' ', '\n', '\t', '<', '&', 'ö', '}', '%', '-', '😀') })
  .map((text) => text.replaceAll('{', ''));

/** Data, and a template reading it. */
const case_ = data.chain((scope) =>
  fc
    .array(fc.oneof(literal, outputIn(scope)), { maxLength: 4 })
    .map((pieces) => ({ scope, source: pieces.join('') })),
);

const SETTINGS = [
  new FormatSettings('en', 'UTC', 'sms'),
  new FormatSettings('sv-SE', 'Europe/Stockholm', 'sms'),
  new FormatSettings('en-US', 'America/New_York', 'email'),
];

/**
 * What LiquidJS itself says, with the render's format settings in its register as renderMessage
 * gives them (the filters read them there): its text, or the name of its error.
 */
function liquidSays(
  engine: Liquid,
  source: string,
  scope: Record<string, unknown>,
  settings: FormatSettings,
): string {
  try {
    const context = new Context(
      scope,
      { ...engine.options, locale: settings.locale, timezoneOffset: settings.timeZone },
      { sync: true },
      { liquid: engine },
    );
    context.setRegister(FORMAT_SETTINGS_REGISTER, settings);
    return `ok:${engine.renderSync(engine.parse(source), context)}`;
  } catch (error) {
    return `error:${error instanceof Error ? error.name : String(error)}`;
  }
}

function weSay(
  engine: Liquid,
  source: string,
  scope: Record<string, unknown>,
  settings: FormatSettings,
): string {
  try {
    return `ok:${renderParsed(engine, engine.parse(source), scope, settings)}`;
  } catch (error) {
    return `error:${error instanceof Error ? error.name : String(error)}`;
  }
}

describe('the plain-output shortcut renders exactly as LiquidJS', () => {
  it('on generated templates and data, text and HTML engines', () => {
    let shortcut = 0;
    let runs = 0;
    fc.assert(
      fc.property(case_, fc.constantFrom(...SETTINGS), ({ source, scope }, settings) => {
        runs++;
        // Counted when the shortcut wrote at least one value (not only literal text).
        if (
          source.includes('{{') &&
          renderOutputsOnly(textEngine.parse(source), scope, settings) !== undefined
        ) {
          shortcut++;
        }
        expect(weSay(textEngine, source, scope, settings)).toBe(
          liquidSays(textEngine, source, scope, settings),
        );
        expect(weSay(htmlEngine, source, scope, settings)).toBe(
          liquidSays(htmlEngine, source, scope, settings),
        );
      }),
      { seed: 12_2026, numRuns: 10_000 },
    );
    // The shortcut writes values often enough for the comparison to mean something.
    expect(shortcut).toBeGreaterThan(runs / 40);
  });

  it('leaves names every object inherits to LiquidJS, which finds nothing under them', () => {
    const scope = { constructor: 'x', toString: 'y', detail: { constructor: 'z' } };

    const settings = SETTINGS[0] ?? new FormatSettings('en', 'UTC', 'sms');
    for (const source of ['{{ constructor }}', '{{ toString }}', '{{ detail.constructor }}'])
      expect(weSay(textEngine, source, scope, settings)).toBe(
        liquidSays(textEngine, source, scope, settings),
      );
  });

  it('on the shape of a booking message', () => {
    const scope = { customer: { firstName: 'Åsa <3' }, detail: { ref: 'B-1', n: 2.5, ok: true } };
    const source = 'Hi {{ customer.firstName }}, {{- detail.ref -}} x{{detail.n}} {{ detail.ok }}';

    const settings = SETTINGS[0] ?? new FormatSettings('en', 'UTC', 'sms');
    expect(renderOutputsOnly(textEngine.parse(source), scope)).toBe('Hi Åsa <3,B-1x2.5 true');
    expect(weSay(textEngine, source, scope, settings)).toBe(liquidSays(textEngine, source, scope, settings));
  });

  it('on generated locale filters over the values they read', () => {
    const filterName = fc.constantFrom(
      'local_time',
      'local_date',
      'local_datetime',
      'weekday',
      'number',
      'duration',
    );
    const filterCase = fc.record({
      at: leaf,
      filters: fc.array(filterName, { minLength: 1, maxLength: 2 }),
      settings: fc.constantFrom(...SETTINGS),
    });
    let shortcut = 0;
    let runs = 0;
    fc.assert(
      fc.property(filterCase, ({ at, filters, settings }) => {
        runs++;
        const scope = { detail: { at } };
        const source = `At {{ detail.at | ${filters.join(' | ')} }}.`;
        if (renderOutputsOnly(textEngine.parse(source), scope, settings) !== undefined) shortcut++;
        expect(weSay(textEngine, source, scope, settings)).toBe(
          liquidSays(textEngine, source, scope, settings),
        );
      }),
      { seed: 12_2026, numRuns: 3_000 },
    );
    // Many of them format (the rest are refused and left to LiquidJS, which must say the same).
    expect(shortcut).toBeGreaterThan(runs / 20);
  });

  it('runs an argument-less locale filter itself, in the render’s locale, zone and channel', () => {
    const template = textEngine.parse('Reminder: {{ detail.at | local_time }}, {{ detail.at | weekday }}.');
    const scope = { detail: { at: '2026-12-07T14:20:00Z' } };

    // 15:20 in Stockholm on a Monday; 9:20 in the morning in New York (as Intl writes it, for email).
    expect(renderOutputsOnly(template, scope, new FormatSettings('sv-SE', 'Europe/Stockholm', 'sms'))).toBe(
      'Reminder: 15:20, måndag.',
    );
    const newYork = new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone: 'America/New_York' });
    expect(renderOutputsOnly(template, scope, new FormatSettings('en-US', 'America/New_York', 'email'))).toBe(
      `Reminder: ${newYork.format(new Date('2026-12-07T14:20:00Z'))}, Monday.`,
    );
    // A value the filter refuses is left to LiquidJS, which reports it where it is.
    expect(
      renderOutputsOnly(template, { detail: { at: 'soon' } }, new FormatSettings('en', 'UTC', 'sms')),
    ).toBe(undefined);
  });
});
