import fc from 'fast-check';

/** A broken rule file and what checking it must report. */
export interface BadRuleFile {
  kind: string;
  text: string;
  /** `reject` — at least one located issue, naming `field` when given; `either` — may still be valid. */
  expect: 'reject' | 'either';
  field?: string;
}

/** Targeted breakages: a line of a shipped rule replaced by a bad value for that field. */
const TARGETED: ReadonlyArray<{ pattern: RegExp; field: string; values: ReadonlyArray<string> }> = [
  {
    pattern: /after: PT1H/,
    field: 'send',
    values: ['after: PT', 'after: 1h', 'after: -PT1H', 'after: P1X', 'after: ""'],
  },
  {
    pattern: /offset: -P14D/,
    field: 'send',
    values: ['offset: -P14X', 'offset: 14 days', 'offset: 14', 'offset: [P1D]'],
  },
  {
    pattern: /horizon: P60D/,
    field: 'dedupe.horizon',
    values: ['horizon: 60D', 'horizon: forever', 'horizon: -P1D', 'horizon: 60'],
  },
  {
    pattern: /time: "10:00"/,
    field: 'send',
    values: ['time: "25:00"', 'time: "10:60"', 'time: "ten"', 'time: 10'],
  },
  {
    pattern: /hours: "08:00-21:00"/,
    field: 'window',
    values: ['hours: "21:00-08:00"', 'hours: "8-21"', 'hours: "08:00-25:00"', 'hours: 8'],
  },
  {
    pattern: /outside: defer/,
    field: 'window',
    values: ['outside: later', 'outside: 1', 'outside: [defer]'],
  },
  {
    pattern: /channels: \[sms, email\]/,
    field: 'channels',
    values: ['channels: [fax]', 'channels: []', 'channels: sms', 'channels: [sms, sms, pigeon]'],
  },
  {
    pattern: /^id: [a-z-]+$/m,
    field: 'id',
    values: ['id: Renewal Reminder', 'id: ""', 'id: 42', 'id: [a]', 'id: ÅÄÖ'],
  },
  { pattern: /urgent: true/, field: 'urgent', values: ['urgent: yes please', 'urgent: 1', 'urgent: [true]'] },
  {
    pattern: /maxSegments: 2/,
    field: 'maxSegments',
    values: ['maxSegments: 0', 'maxSegments: two', 'maxSegments: -1', 'maxSegments: 1.5'],
  },
  {
    pattern: /detail-type: \[[A-Za-z]+\]/,
    field: 'on',
    values: [
      'detail-type: CallbackBooked',
      'detail-type: [{ numeric: [">", "x"] }]',
      'detail-type: [{ prefix: 5 }]',
      'detail-type: [{ anything-but: { anything-but: [1] } }]',
      'detail-type: [{ wildcard: 7 }]',
      'detail-type: [{ cidr: "10.0.0.0/99" }]',
      'detail-type: [{ unknown-op: 1 }]',
    ],
  },
  { pattern: /key: detail\.[A-Za-z]+/, field: '', values: ['key: ""', 'key: [detail.x]', 'key: 5'] },
];

const BROKEN_YAML = [
  '\tindented: with a tab',
  'x: [unclosed',
  'y: "unclosed',
  ': no key',
  'a: b: c',
  '- stray list item',
  '{ flow: ',
  'key: value\n  bad indent: here',
  '%YAML 9.9',
  '&anchor',
  '*undefined-alias',
] as const;

const ALIAS_BOMB = [
  'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
].join('\n');

function lines(text: string): string[] {
  return text.split('\n');
}

/** Broken rule files made from the shipped ones (texts), of every kind. */
export function badRuleFileArb(shipped: ReadonlyArray<string>): fc.Arbitrary<BadRuleFile> {
  // Copies under new ids, so a copy is a valid rule of its own until broken (the same id would
  // be reported as a duplicate and hide the breakage).
  const renamed = shipped.map((text) => text.replace(/^id: ([a-z-]+)$/m, 'id: $1-zz'));
  const source = fc.constantFrom(...renamed);
  const garbage = fc.oneof(
    fc.string({ maxLength: 30 }).map((text) => text.replace(/\n/g, ' ')),
    fc.constantFrom(
      '[',
      '{',
      '}',
      ']',
      '"',
      "'",
      '&x',
      '*x',
      '!!binary x',
      '|',
      '>',
      '~',
      'null',
      '-1e999',
      '0x1F',
      '""',
    ),
    fc.integer().map(String),
    fc.double().map(String),
  );
  return fc.oneof(
    fc.tuple(source, fc.nat(), garbage).map(([text, pick, value]): BadRuleFile => {
      const all = lines(text);
      const candidates = all.flatMap((line, index) =>
        /^\s*[\w-]+:\s*\S/.test(line) && !line.trim().startsWith('#') ? [index] : [],
      );
      const index = candidates[pick % Math.max(1, candidates.length)] ?? 0;
      const line = all[index] ?? '';
      all[index] = line.replace(/:\s*.*$/, `: ${value}`);
      return { kind: 'a value replaced by garbage', text: all.join('\n'), expect: 'either' };
    }),
    fc.tuple(source, fc.nat()).map(([text, pick]): BadRuleFile => {
      const all = lines(text);
      all.splice(pick % all.length, 1);
      return { kind: 'a line deleted', text: all.join('\n'), expect: 'either' };
    }),
    fc.tuple(source, fc.stringMatching(/^[a-z][a-zA-Z]{0,12}$/)).map(
      ([text, key]): BadRuleFile => ({
        kind: 'an unknown field',
        text: `${text.trimEnd()}\nbogus${key}: 1\n`,
        expect: 'reject',
        field: `bogus${key}`,
      }),
    ),
    fc
      .tuple(fc.constantFrom(...TARGETED), fc.nat(), fc.nat(), source)
      .map(([target, pickValue, pickFile, text]): BadRuleFile => {
        const files = renamed.filter((file) => target.pattern.test(file));
        const file = files[pickFile % Math.max(1, files.length)] ?? text;
        const value = target.values[pickValue % target.values.length] ?? '';
        const changed = file.replace(target.pattern, value);
        return changed === file
          ? { kind: 'a field given a bad value', text: file, expect: 'either' }
          : { kind: 'a field given a bad value', text: changed, expect: 'reject', field: target.field };
      }),
    fc.tuple(source, fc.nat(), fc.constantFrom(...BROKEN_YAML)).map(([text, pick, broken]): BadRuleFile => {
      const all = lines(text);
      all.splice(pick % (all.length + 1), 0, broken);
      return { kind: 'broken YAML', text: all.join('\n'), expect: 'either' };
    }),
    source.map(
      (text): BadRuleFile => ({
        kind: 'an alias bomb',
        text: `${text.trimEnd()}\n${ALIAS_BOMB}\n`,
        expect: 'reject',
      }),
    ),
    fc
      .tuple(source, fc.integer({ min: 70, max: 1_500 }), fc.boolean())
      .map(([text, depth, flow]): BadRuleFile => {
        const nested = flow
          ? `  deep: ${'{ a: '.repeat(depth)}x${' }'.repeat(depth)}`
          : Array.from({ length: depth }, (_, level) => `${'  '.repeat(level + 2)}a:`).join('\n');
        return {
          kind: 'deep nesting',
          text: text.replace(/^on:\n/m, `on:\n${flow ? nested : `  deep:\n${nested} x`}\n`),
          expect: 'reject',
        };
      }),
    fc.tuple(source, fc.integer({ min: 10_000, max: 300_000 })).map(
      ([text, size]): BadRuleFile => ({
        kind: 'a huge string',
        text: text.replace(/^description: .*$/m, `description: ${'x'.repeat(size)}`),
        expect: 'either',
      }),
    ),
    fc.tuple(source, fc.constantFrom('\\uD83D', '\\uDE00', '\\uDBFF\\u0041')).map(
      ([text, half]): BadRuleFile => ({
        kind: 'a lone surrogate (YAML escape)',
        text: text.replace(/^description: .*$/m, `description: "half an emoji ${half}"`),
        expect: 'either',
      }),
    ),
    fc.tuple(source, fc.constantFrom(...shipped)).map(
      ([text, other]): BadRuleFile => ({
        kind: 'a second rule with an existing id',
        text: `${text.trimEnd()}\n---\n${other}`,
        expect: 'reject',
        field: 'id',
      }),
    ),
    fc
      .string({ unit: 'binary', maxLength: 400 })
      .map((text): BadRuleFile => ({ kind: 'any text', text, expect: 'either' })),
  );
}

/** Bytes that are not UTF-8, to put into a rule file on disk. */
export const INVALID_UTF8: ReadonlyArray<ReadonlyArray<number>> = [
  [0xff],
  [0xfe],
  [0xc3],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
];
