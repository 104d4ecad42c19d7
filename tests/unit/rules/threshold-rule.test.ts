import { describe, expect, it } from 'vitest';
import { describeRule } from '../../../functions/core/rules/describe-rule.ts';
import { formatRuleIssue, parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';

const valid = `id: problem-spike
description: Tell operations about a spike
on: { source: [acme.cases], detail-type: [CaseOpened] }
threshold:
  count: 20
  within: PT1H
  key: detail.problemCode
to: { email: ops@acme.example }
send: immediately
window: always
channels: [email]
template: problem-spike
`;

function issuesOf(text: string) {
  return parseRuleFiles([{ file: 'rules/problem-spike.yaml', text }]).issues.map(formatRuleIssue);
}

describe('threshold rules', () => {
  it('accepts a threshold rule; cooldown, locale and time zone are optional', () => {
    const { rules, issues } = parseRuleFiles([{ file: 'rules/problem-spike.yaml', text: valid }]);

    expect(issues).toEqual([]);
    expect(rules[0]?.rule).toMatchObject({
      threshold: { count: 20, within: 'PT1H', key: 'detail.problemCode' },
      to: { email: 'ops@acme.example' },
    });
    expect(rules[0]?.rule.threshold?.cooldown).toBeUndefined();
  });

  it('accepts a threshold without key (every matching event counts together) and with a cooldown', () => {
    const text = valid
      .replace('  key: detail.problemCode\n', '  cooldown: PT4H\n')
      .replace('to: { email: ops@acme.example }', 'to: { sms: "+46701234567", locale: sv }')
      .replace('channels: [email]', 'channels: [sms]');

    expect(issuesOf(text)).toEqual([]);
  });

  it.each([
    ['count: 20', 'count: 1', 'rules/problem-spike.yaml:5 threshold.count: expected a whole number ≥ 2'],
    ['count: 20', 'count: 2.5', 'rules/problem-spike.yaml:5 threshold.count: expected a whole number ≥ 2'],
    ['count: 20', 'count: twenty', 'rules/problem-spike.yaml:5 threshold.count: expected a whole number ≥ 2'],
    [
      'count: 20',
      'count: 20000',
      'rules/problem-spike.yaml:5 threshold.count: expected at most 10000 events',
    ],
    [
      'within: PT1H',
      'within: an hour',
      'rules/problem-spike.yaml:6 threshold.within: expected an ISO-8601 duration such as PT1H',
    ],
    [
      'within: PT1H',
      'within: PT0S',
      'rules/problem-spike.yaml:6 threshold.within: expected a window longer than zero, such as PT1H',
    ],
    [
      'within: PT1H',
      'within: -PT1H',
      'rules/problem-spike.yaml:6 threshold.within: must not be negative (such as PT1H)',
    ],
    [
      'within: PT1H',
      'within: P60D',
      'rules/problem-spike.yaml:6 threshold.within: expected a window of at most 31 days (P31D)',
    ],
    [
      'key: detail.problemCode',
      'key: "detail..code"',
      'rules/problem-spike.yaml:7 threshold.key: expected a dotted path into the event such as detail.renewalDate',
    ],
    [
      'key: detail.problemCode',
      'key: detail.problemCode\n  cooldown: PT0M',
      'rules/problem-spike.yaml:8 threshold.cooldown: expected a cooldown longer than zero, such as PT1H',
    ],
    [
      'key: detail.problemCode',
      'key: detail.problemCode\n  per: PT1H',
      "rules/problem-spike.yaml:8 threshold.per: unknown field 'per'",
    ],
    [
      'to: { email: ops@acme.example }',
      'to: { email: ops }',
      'rules/problem-spike.yaml:8 to.email: expected an email address such as ops@acme.example',
    ],
  ])('locates a bad field: %s → %s', (from, to, issue) => {
    expect(issuesOf(valid.replace(from, to))).toEqual([issue]);
  });

  it('a missing count is required', () => {
    expect(issuesOf(valid.replace('  count: 20\n', ''))).toEqual([
      'rules/problem-spike.yaml:4 threshold.count: required',
    ]);
  });

  it('a threshold rule needs an operations recipient with an address for every channel', () => {
    expect(issuesOf(valid.replace('to: { email: ops@acme.example }\n', ''))).toEqual([
      'rules/problem-spike.yaml:1 to: a threshold rule needs an operations recipient, such as { email: ops@acme.example }',
    ]);
    expect(issuesOf(valid.replace('channels: [email]', 'channels: [email, sms]'))).toEqual([
      'rules/problem-spike.yaml:11 channels[1]: to has no sms address: add to.sms or remove sms from channels',
    ]);
  });

  it('a phone number must be E.164 and a time zone must exist', () => {
    const text = valid.replace(
      'to: { email: ops@acme.example }',
      'to: { email: ops@acme.example, sms: "0701234567", timeZone: Europe/Atlantis }',
    );
    expect(issuesOf(text)).toEqual([
      'rules/problem-spike.yaml:8 to.sms: expected a phone number in E.164 form such as "+46701234567"',
      'rules/problem-spike.yaml:8 to.timeZone: expected an IANA time zone such as Europe/Stockholm',
    ]);
  });

  it('refuses what does not apply to a threshold rule, and a recipient on a customer rule', () => {
    const withDedupe = `${valid}dedupe: { key: "{{ detail.caseId }}" }\n`;
    expect(issuesOf(withDedupe)).toEqual([
      'rules/problem-spike.yaml:13 dedupe: a threshold rule sends one alert per crossing; dedupe does not apply to it',
    ]);
    const customerRule = valid.replace(/threshold:\n(.*\n){3}/, '');
    expect(issuesOf(customerRule)).toEqual([
      'rules/problem-spike.yaml:4 to: only a threshold rule sends to a fixed recipient; other rules send to the event customer',
    ]);
  });

  it('describes the rule in one line for `nudge rules validate` and the console', () => {
    const { rules } = parseRuleFiles([{ file: 'rules/problem-spike.yaml', text: valid }]);
    const rule = rules[0]?.rule;
    if (rule === undefined) throw new Error('the fixture is valid');

    expect(describeRule(rule)).toBe(
      `problem-spike: on "acme.cases"/"CaseOpened" → email 'problem-spike' immediately once 20 within PT1H per detail.problemCode (to operations)`,
    );
  });
});
