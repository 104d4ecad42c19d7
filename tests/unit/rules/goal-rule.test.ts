import { describe, expect, it } from 'vitest';
import { formatRuleIssue, parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';

const valid = `id: invoice-reminder
description: Remind about an unpaid invoice
on: { source: [acme.billing], detail-type: [InvoiceOverdue] }
send: immediately
channels: [sms]
template: invoice-reminder
goal:
  on: { detail-type: [PaymentReceived] }
  key: detail.invoiceId
  within: P7D
avoid:
  on: [{ detail-type: [CallReceived] }]
  key: detail.customerId
  within: P2D
holdout: 10%
`;

function parse(text: string) {
  return parseRuleFiles([{ file: 'rules/invoice.yaml', text }]);
}

describe('goal, avoid and holdout in a rule', () => {
  it('accepts a goal (one pattern), an avoid (a list) and a holdout as a percentage', () => {
    const { rules, issues } = parse(valid);

    expect(issues).toEqual([]);
    expect(rules[0]?.rule.goal).toEqual({
      on: { 'detail-type': ['PaymentReceived'] },
      key: 'detail.invoiceId',
      within: 'P7D',
    });
    expect(rules[0]?.rule.holdout).toBeCloseTo(0.1, 12);
  });

  it.each([
    ['holdout: 10%', 'holdout: 50%', 0.5],
    ['holdout: 10%', 'holdout: 2.5%', 0.025],
    ['holdout: 10%', 'holdout: 20', 0.2],
  ])('%s → %s is a share of %d', (from, to, share) => {
    const { rules, issues } = parse(valid.replace(from, to));

    expect(issues).toEqual([]);
    expect(rules[0]?.rule.holdout).toBeCloseTo(share, 12);
  });

  it.each([
    [
      'holdout: 10%',
      'holdout: 60%',
      'rules/invoice.yaml:15 holdout: a holdout of 60% is refused: at most 50% of customers may be held out',
    ],
    [
      'holdout: 10%',
      'holdout: lots',
      "rules/invoice.yaml:15 holdout: expected a share of customers such as '10%'",
    ],
    [
      '  key: detail.invoiceId',
      '  key: "detail invoice"',
      'rules/invoice.yaml:9 goal.key: expected a dotted path into the event such as detail.renewalDate',
    ],
    [
      '  within: P7D',
      '  within: soon',
      'rules/invoice.yaml:10 goal.within: expected an ISO-8601 duration such as P7D',
    ],
  ])('refuses %s → %s with a located message', (from, to, message) => {
    expect(parse(valid.replace(from, to)).issues.map(formatRuleIssue)).toEqual([message]);
  });

  it('checks goal patterns like every other pattern, located inside the goal', () => {
    const text = valid.replace(
      'on: { detail-type: [PaymentReceived] }',
      'on: { detail-type: PaymentReceived }',
    );

    const issues = parse(text).issues.map(formatRuleIssue);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^rules\/invoice\.yaml:8 goal\.on\.detail-type: /);
  });

  it('refuses goal and holdout on a threshold rule (it sends no customer messages)', () => {
    const text = `id: spike
description: Spike
on: { source: [acme.cases] }
threshold: { count: 3, within: PT1H }
to: { email: ops@acme.example }
send: immediately
channels: [email]
template: spike
holdout: 10%
`;

    expect(parse(text).issues.map(formatRuleIssue)).toEqual([
      'rules/invoice.yaml:9 holdout: a threshold rule sends one alert per crossing; holdout does not apply to it',
    ]);
  });
});
