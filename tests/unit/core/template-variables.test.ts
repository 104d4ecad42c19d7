import { describe, expect, it } from 'vitest';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import { checkRuleTemplates } from '../../../functions/core/rules/check-rule-templates.ts';
import { formatRuleIssue, parseRuleFiles } from '../../../functions/core/rules/parse-rule-files.ts';

const settings = EngineSettingsSchema.parse({ defaults: { locale: 'en' } });

/** A customer rule (or a threshold rule) with the given extra YAML lines, using template `t`. */
function ruleText(extra: ReadonlyArray<string>, kind: 'customer' | 'threshold' = 'customer'): string {
  const threshold =
    kind === 'threshold'
      ? ['threshold: { count: 5, within: PT1H }', 'to: { email: ops@acme.example }', 'channels: [email]']
      : ['channels: [sms, email]'];
  return [
    'id: rr',
    'description: test',
    'on: { source: [acme.test] }',
    'send: { after: PT1H }',
    ...threshold,
    'template: t',
    ...extra,
  ].join('\n');
}

/** Validation output (errors and warnings) for one rule and some template files, as `file:line:col …`. */
function check(rule: string, files: Record<string, string>) {
  const parsed = parseRuleFiles([{ file: 'rules/r.yaml', text: rule }]);
  expect(parsed.issues.map(formatRuleIssue)).toEqual([]);
  const built = buildTemplateCatalog(files);
  expect(built.issues).toEqual([]);
  const result = checkRuleTemplates(parsed.rules, built.catalog, settings);
  return { errors: result.issues.map(formatRuleIssue), warnings: result.warnings.map(formatRuleIssue) };
}

const EXAMPLES = ['examples:', '  - detail: { orderId: O-1, items: [{ name: Lamp }], discount: 10 }'];

describe('template variables checked statically', () => {
  it('accepts loop and assign locals, Liquid built-ins, computed keys and fields of the examples', () => {
    const sms = [
      '{% for item in detail.items %}{{ item.name }} {{ forloop.index }}{% endfor %}',
      "{% assign n = customer.firstName | default: 'kund' %}{{ n }} {{ customer.firstName.size }}",
      '{{ detail.items.first.name }} {{ detail.items[0].name }} {{ detail[customer.id] }}',
      '{% if detail.discount %}{{ detail.discount }}{% endif %} {{ event.time }} {{ message.sendAt }} {{ rule.id }}',
    ].join('\n');
    const { errors, warnings } = check(ruleText(EXAMPLES), {
      't/en.sms.liquid': sms,
      't/en.email.liquid': 'subject: {{ detail.orderId }}\n--- text\n{{ customer.name }}',
    });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('locates an unknown field in the email subject, text and html at the file line and column of the variable', () => {
    const email =
      'subject: Hi {{ customer.nick }}\n--- text\nA\n  {{ customer.locale.x }}\n--- html\n<p>{{ event.ids }}</p>';
    const { errors } = check(ruleText(EXAMPLES), { 't/en.sms.liquid': 'ok', 't/en.email.liquid': email });
    expect(errors).toEqual([
      "templates/t/en.email.liquid:1:16 unknown variable 'customer.nick': customer has id, firstName, name, locale, timeZone",
      "templates/t/en.email.liquid:4:6 unknown variable 'customer.locale.x': customer.locale has no fields",
      "templates/t/en.email.liquid:6:7 unknown variable 'event.ids'; did you mean 'event.id'?",
    ]);
  });

  it('offers alert only to threshold rules', () => {
    const template = {
      't/en.email.liquid': 'subject: {{ alert.count }} cases\n--- text\n{{ alert.samples[0].eventId }}',
    };
    expect(check(ruleText([], 'threshold'), template).errors).toEqual([]);
    const customerRule = check(ruleText([]), { ...template, 't/en.sms.liquid': 'ok' }).errors;
    expect(customerRule[0]).toMatch(
      /^templates\/t\/en\.email\.liquid:1:13 unknown variable 'alert\.count': alert is only for threshold rules; templates can read /,
    );
  });

  it('warns once per rule, listing what it could not check, when the rule has no examples', () => {
    const { errors, warnings } = check(ruleText([]), {
      't/en.sms.liquid': '{{ detail.a }} {{ detail.b.c }} {{ detail.a }}',
      't/en.email.liquid': 'subject: x\n--- text\n{{ detail.a }}',
    });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/^rules\/r\.yaml:6:1 examples: detail\.a, detail\.b\.c not checked/),
    ]);
  });

  it('reports a template shared by two locales in each file, and a rule-specific mistake with the rule id', () => {
    const { errors } = check(ruleText(['vars: { phone: "1" }']), {
      't/en.sms.liquid': '{{ vars.fone }}',
      't/sv.sms.liquid': '{{ vars.fone }}',
      't/en.email.liquid': 'subject: x\n--- text\nx',
    });
    expect(errors).toEqual([
      "templates/t/en.sms.liquid:1:4 unknown variable 'vars.fone'; did you mean 'vars.phone'? (rule rr)",
      "templates/t/sv.sms.liquid:1:4 unknown variable 'vars.fone'; did you mean 'vars.phone'? (rule rr)",
    ]);
  });
});

describe('dedupe keys checked like templates', () => {
  const keyed = (key: string) => ruleText([`dedupe: { key: '${key}' }`, ...EXAMPLES]);
  const errorsOf = (key: string) =>
    check(keyed(key), { 't/en.sms.liquid': 'x', 't/en.email.liquid': 'subject: x\n--- text\nx' }).errors;

  it('accepts event paths with text around them', () => {
    expect(errorsOf('{{ detail.orderId }}:{{ source }}')).toEqual([]);
  });

  it.each([
    ['{% if detail.orderId %}x{% endif %}', 'no tags'],
    ['{{ detail.orderId | upcase }}', 'not a plain event path'],
    ['{{ detail.items[0].name }}', 'not a plain event path'],
    ['order', 'the same for every customer'],
    ['{{ customer.id }}', "unknown variable 'customer.id'"],
  ])('refuses %s (%s), located in the key', (key, expected) => {
    const [error, ...rest] = errorsOf(key);
    expect(rest).toEqual([]);
    expect(error).toMatch(/^rules\/r\.yaml:7:\d+ dedupe\.key: /);
    expect(error).toContain(expected);
  });
});
