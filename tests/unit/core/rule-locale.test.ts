import { describe, expect, it } from 'vitest';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import { parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { runSimulation } from '../../../functions/simulator/run-simulation.ts';

/** A Swedish rule; templates in Swedish and English only (no Danish). */
const rule = (locale: string | undefined) =>
  [
    'id: payment-failed',
    'description: Tell the customer a payment failed',
    'on: { source: [acme.billing], detail-type: [PaymentFailed] }',
    'send: immediately',
    'window: always',
    'channels: [sms]',
    'template: payment-failed',
    ...(locale === undefined ? [] : [`locale: ${locale}`]),
  ].join('\n');

const catalog = buildTemplateCatalog({
  'payment-failed/sv.sms.liquid': 'Betalningen misslyckades',
  'payment-failed/en.sms.liquid': 'The payment failed',
}).catalog;

function event(id: string, customerLocale: string | undefined) {
  return {
    id,
    source: 'acme.billing',
    'detail-type': 'PaymentFailed',
    time: '2026-11-23T09:00:00Z',
    detail: {
      customer: {
        id: `cust-${id}`,
        phone: '+46701234567',
        ...(customerLocale === undefined ? {} : { locale: customerLocale }),
      },
    },
  };
}

/** The SMS text each customer gets, by event id, from the real engine on a virtual clock. */
async function textsFor(ruleLocale: string | undefined): Promise<Record<string, string | null>> {
  const parsed = parseRuleFiles([{ file: 'rules/payment-failed.yaml', text: rule(ruleLocale) }]);
  expect(parsed.issues).toEqual([]);
  const lines = await runSimulation({
    rules: compileRuleSet(parsed.rules.map((loaded) => loaded.rule)),
    settings: EngineSettingsSchema.parse({ defaults: { locale: 'en' } }),
    catalog,
    events: [
      { line: 1, value: event('none', undefined) },
      { line: 2, value: event('da', 'da') },
      { line: 3, value: event('en-gb', 'en-GB') },
    ],
  });
  return Object.fromEntries(lines.map((line) => [line.eventId ?? '', line.body]));
}

describe("a rule's locale", () => {
  it('is used for a customer without one, and is the last fallback for a locale without templates', async () => {
    expect(await textsFor('sv')).toEqual({
      none: 'Betalningen misslyckades',
      da: 'Betalningen misslyckades',
      'en-gb': 'The payment failed',
    });
  });

  it('leaves the configured default in charge when the rule has none', async () => {
    expect(await textsFor(undefined)).toEqual({
      none: 'The payment failed',
      da: 'The payment failed',
      'en-gb': 'The payment failed',
    });
  });

  it('is refused when it is not a locale tag', () => {
    const issues = (text: string) => parseRuleFiles([{ file: 'rules/r.yaml', text }]).issues;
    expect(issues(`${rule('sv_SE')}`)).toMatchObject([{ field: 'locale', line: 8 }]);
  });
});
