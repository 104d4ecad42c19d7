import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatRuleIssue, parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';

const valid = `id: renewal-reminder
description: Remind before renewal
on:
  source: [acme.policy]
send:
  at:
    field: detail.renewalDate
    offset: -P14D
    time: "10:00"
channels: [sms]
template: renewal-reminder
`;

function issuesOf(text: string, file = 'rules/r.yaml') {
  return parseRuleFiles([{ file, text }]).issues.map(formatRuleIssue);
}

describe('parseRuleFiles', () => {
  it('accepts a valid rule and applies defaults', () => {
    const { rules, issues } = parseRuleFiles([{ file: 'rules/r.yaml', text: valid }]);
    expect(issues).toEqual([]);
    expect(rules[0]?.rule).toMatchObject({
      id: 'renewal-reminder',
      enabled: true,
      urgent: false,
      priority: 50,
    });
    expect(rules[0]?.line).toBe(1);
  });

  it('accepts every shipped rule', () => {
    const files = readdirSync('rules').map((name) => ({
      file: `rules/${name}`,
      text: readFileSync(`rules/${name}`, 'utf8'),
    }));
    const { rules, issues } = parseRuleFiles(files);
    expect(issues.map(formatRuleIssue)).toEqual([]);
    expect(rules.length).toBe(files.length);
  });

  it('refuses durations with no number, and negative ones where time only runs forward', () => {
    expect(issuesOf(valid.replace('offset: -P14D', 'offset: P'))).toEqual([
      'rules/r.yaml:8 send.at.offset: expected an ISO-8601 duration such as -P14D',
    ]);
    const after = valid.replace(/send:\n(.|\n)*?time: "10:00"\n/, 'send: { after: -PT1H }\n');
    expect(issuesOf(after)).toEqual(['rules/r.yaml:5 send.after: must not be negative (such as PT1H)']);
  });

  it('a file nested too deeply for the YAML parser is an issue at its line, not a crash', () => {
    const deep = valid.replace('on:\n', `on:\n  deep: ${'{ a: '.repeat(5_000)}x${' }'.repeat(5_000)}\n`);
    const block = valid.replace(
      'on:\n',
      `on:\n  deep:\n${Array.from({ length: 5_000 }, (_, level) => `${'  '.repeat(level + 2)}a:`).join('\n')} x\n`,
    );
    expect(issuesOf(deep)).toEqual(['rules/r.yaml:4 YAML: nested deeper than 64 levels']);
    expect(issuesOf(block)[0]).toMatch(/^rules\/r\.yaml:\d+ YAML: nested deeper than 64 levels$/);
  });

  it('an alias bomb is an issue, not a crash', () => {
    const bomb = [
      'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(issuesOf(`${valid}${bomb}\n`)).toEqual([
      'rules/r.yaml:1 YAML: Excessive alias count indicates a resource exhaustion attack',
    ]);
  });

  it('locates a bad duration at its line and field', () => {
    const text = valid.replace('offset: -P14D', 'offset: 14 days before');
    expect(issuesOf(text)).toEqual([
      'rules/r.yaml:8 send.at.offset: expected an ISO-8601 duration such as -P14D',
    ]);
  });

  it('locates a bad local time', () => {
    expect(issuesOf(valid.replace('"10:00"', '"25:00"'))).toEqual([
      'rules/r.yaml:9 send.at.time: expected a local time of day as HH:mm, such as 10:00',
    ]);
  });

  it('names unknown fields (a typo is not silently ignored)', () => {
    expect(issuesOf(valid.replace('channels: [sms]', 'channels: [sms]\nchanels: [email]'))).toEqual([
      "rules/r.yaml:11 chanels: unknown field 'chanels'",
    ]);
  });

  it('reports a missing required field on the rule', () => {
    expect(issuesOf(valid.replace('template: renewal-reminder\n', ''))).toEqual([
      'rules/r.yaml:1 template: required',
    ]);
  });

  it('reports an unknown channel at its array position', () => {
    expect(issuesOf(valid.replace('channels: [sms]', 'channels: [sms, fax]'))[0]).toMatch(
      /^rules\/r\.yaml:10 channels\[1\]: /,
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('id: x\non: [unclosed\n');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatch(/^rules\/r\.yaml:\d+ YAML: /);
  });

  it('locates an invalid EventBridge pattern inside `on`', () => {
    const text = valid.replace(
      '  source: [acme.policy]',
      '  source: [acme.policy]\n  detail:\n    amount: [{ numeric: [">", "ten"] }]',
    );
    const issues = issuesOf(text);
    expect(issues.length).toBe(1);
    expect(issues[0]).toMatch(/^rules\/r\.yaml:6 on\.detail\.amount/);
  });

  it('rejects duplicate rule ids across files, naming the first', () => {
    const { issues } = parseRuleFiles([
      { file: 'rules/a.yaml', text: valid },
      { file: 'rules/b.yaml', text: valid },
    ]);
    expect(issues.map(formatRuleIssue)).toEqual([
      "rules/b.yaml:1 id: duplicate rule id 'renewal-reminder' (first defined at rules/a.yaml:1)",
    ]);
  });

  it('requires a send time unless the rule is an expect rule', () => {
    const text = valid.replace(/send:\n(?: {2}.*\n)+/, '');
    expect(issuesOf(text)).toEqual([
      'rules/r.yaml:1 send: say when to send: immediately, { after: PT1H } or { at: { field, offset, time } }',
    ]);
  });

  it('explains a send value of the wrong form', () => {
    const text = valid.replace(/send:\n(?: {2}.*\n)+/, 'send: tomorrow\n');
    expect(issuesOf(text)).toEqual([
      "rules/r.yaml:5 send: expected 'immediately', { after: PT1H } or { at: { field, offset, time } }",
    ]);
  });

  it('reads several rules from one file separated by ---, and keeps the good ones', () => {
    const second = valid.replace('renewal-reminder', 'second-rule').replace('offset: -P14D', 'offset: soon');
    const { rules, issues } = parseRuleFiles([{ file: 'rules/r.yaml', text: `${valid}---\n${second}` }]);
    expect(rules.map((loaded) => loaded.rule.id)).toEqual(['renewal-reminder']);
    expect(issues.map(formatRuleIssue)).toEqual([
      'rules/r.yaml:20 send.at.offset: expected an ISO-8601 duration such as -P14D',
    ]);
  });
});
