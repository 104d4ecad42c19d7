import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadProjectFolder } from '../../../functions/adapters/files/load-project.ts';
import type { RuleSetContent } from '../../../functions/app/ports/rule-sets.ts';
import { candidateContent, checkDraft, ruleToYaml } from '../../../functions/app/rule-candidate.ts';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { formatRuleIssue } from '../../../functions/core/rules/parse-rule-files.ts';
import { type Rule, RuleSchema } from '../../../functions/core/rules/rule-schema.ts';

// The console's candidate: the active content with one rule and its templates replaced, checked
// exactly as `nudge rules validate` checks the same files on disk (the CLI's reader is the oracle).

const SETTINGS_YAML = 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n';
const settings = EngineSettingsSchema.parse({ defaults: { locale: 'en', timeZone: 'Europe/Stockholm' } });

function ruleYaml(id: string, extra = ''): string {
  return `id: ${id}
description: The ${id} message of the fixture.
on:
  source: [acme.orders]
  detail-type: [OrderPlaced]
send: immediately
window: always
channels: [sms]
template: ${id}
dedupe:
  key: "{{ detail.orderId }}"
${extra}`;
}

function rule(id: string, extra = ''): Rule {
  return RuleSchema.parse(parseYaml(ruleYaml(id, extra)));
}

function active(): RuleSetContent {
  return {
    settings,
    rules: [rule('order-thanks'), rule('order-survey'), rule('order-late')],
    templates: {
      'order-thanks/en.sms.liquid': 'Thanks for order {{ detail.orderId }}.\n',
      'order-survey/en.sms.liquid': 'How was order {{ detail.orderId }}?\n',
      'order-late/en.sms.liquid': 'Order {{ detail.orderId }} is late.\n',
    },
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** What `nudge rules validate` prints for these files in a project folder. */
function cliIssues(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-candidate-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries({ ...files, 'nudge.config.yaml': SETTINGS_YAML })) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return loadProjectFolder(dir).issues.map(formatRuleIssue);
}

describe('candidateContent', () => {
  it('replaces the edited rule in place and writes the edited templates over the active ones', () => {
    const edited = rule('order-survey', 'priority: 80\n');
    const content = candidateContent(active(), {
      ruleId: 'order-survey',
      rule: edited,
      templates: { 'order-survey/en.sms.liquid': 'Rate order {{ detail.orderId }}!\n' },
    });
    expect(content.rules.map((r) => [r.id, r.priority])).toEqual([
      ['order-thanks', 50],
      ['order-survey', 80],
      ['order-late', 50],
    ]);
    expect(content.templates['order-survey/en.sms.liquid']).toBe('Rate order {{ detail.orderId }}!\n');
    expect(content.templates['order-thanks/en.sms.liquid']).toBe('Thanks for order {{ detail.orderId }}.\n');
    expect(content.settings).toBe(settings);
  });

  it('appends a new rule, renames in place, and removes a template whose text is emptied', () => {
    const added = candidateContent(active(), { rule: rule('order-new'), templates: {} });
    expect(added.rules.map((r) => r.id)).toEqual(['order-thanks', 'order-survey', 'order-late', 'order-new']);
    const renamed = candidateContent(active(), {
      ruleId: 'order-thanks',
      rule: rule('order-thank-you'),
      templates: { 'order-thanks/en.sms.liquid': '' },
    });
    expect(renamed.rules.map((r) => r.id)).toEqual(['order-thank-you', 'order-survey', 'order-late']);
    expect(Object.keys(renamed.templates).sort()).toEqual([
      'order-late/en.sms.liquid',
      'order-survey/en.sms.liquid',
    ]);
  });

  it('leaves the active content untouched', () => {
    const before = active();
    const snapshot = JSON.stringify(before);
    candidateContent(before, {
      ruleId: 'order-late',
      rule: rule('order-late', 'urgent: true\n'),
      templates: { 'x/en.sms.liquid': 'x' },
    });
    expect(JSON.stringify(before)).toBe(snapshot);
  });
});

describe('ruleToYaml', () => {
  it('parses back to the same rule, a holdout included (stored as a fraction, written as a percent)', () => {
    const withHoldout = rule(
      'order-thanks',
      'holdout: 12.5%\ngoal:\n  on: { source: [acme.orders], detail-type: [OrderPaid] }\n  key: detail.orderId\n  within: P7D\n',
    );
    expect(withHoldout.holdout).toBe(0.125);
    expect(RuleSchema.parse(parseYaml(ruleToYaml(withHoldout)))).toEqual(withHoldout);
  });
});

describe('checkDraft gives the messages nudge rules validate prints for the same files', () => {
  const otherFiles = {
    'rules/order-thanks.yaml': ruleYaml('order-thanks'),
    'rules/order-late.yaml': ruleYaml('order-late'),
    'templates/order-thanks/en.sms.liquid': 'Thanks for order {{ detail.orderId }}.\n',
    'templates/order-late/en.sms.liquid': 'Order {{ detail.orderId }} is late.\n',
  };

  it('a bad field in the rule: located at the same file, line and field', () => {
    const yaml = ruleYaml('order-survey').replace('send: immediately', 'send: tomorrow');
    const checked = checkDraft(active(), { ruleId: 'order-survey', yaml, templates: {} });
    expect(checked.ok).toBe(false);
    const shown = checked.ok ? [] : checked.issues.map(formatRuleIssue);
    expect(shown).toEqual(
      cliIssues({
        ...otherFiles,
        'rules/order-survey.yaml': yaml,
        'templates/order-survey/en.sms.liquid': 'How was order {{ detail.orderId }}?\n',
      }),
    );
    expect(shown[0]).toMatch(/^rules\/order-survey\.yaml:6 send: /);
  });

  it('an unknown variable in an edited template: located at the template file, line and column', () => {
    const template = 'Hi!\nHow was order {{ detail.orderId }}, {{ custmer.firstName }}?\n';
    const checked = checkDraft(active(), {
      ruleId: 'order-survey',
      yaml: ruleYaml('order-survey'),
      templates: { 'order-survey/en.sms.liquid': template },
    });
    const shown = checked.ok ? [] : checked.issues.map(formatRuleIssue);
    expect(shown).toEqual(
      cliIssues({
        ...otherFiles,
        'rules/order-survey.yaml': ruleYaml('order-survey'),
        'templates/order-survey/en.sms.liquid': template,
      }),
    );
    expect(shown[0]).toMatch(/^templates\/order-survey\/en\.sms\.liquid:2:\d+ /);
  });

  it('a new rule reusing an id is a duplicate, and a missing template is named with the file to add', () => {
    const checked = checkDraft(active(), { yaml: ruleYaml('order-late'), templates: {} });
    const shown = checked.ok ? [] : checked.issues.map(formatRuleIssue);
    expect(
      shown.some((line) => line.startsWith("rules/new-rule.yaml:1 id: duplicate rule id 'order-late'")),
    ).toBe(true);
    const yaml = ruleYaml('order-new');
    const missing = checkDraft(active(), { yaml, templates: {} });
    const text = missing.ok ? [] : missing.issues.map(formatRuleIssue);
    // `template:` is line 9 of the fixture rule; the CLI reports at the key.
    expect(text).toEqual([
      "rules/new-rule.yaml:9:1 template: no sms template 'order-new' in the default locale 'en': add templates/order-new/en.sms.liquid",
    ]);
    expect(text).toEqual(
      cliIssues({
        ...otherFiles,
        'rules/order-survey.yaml': ruleYaml('order-survey'),
        'templates/order-survey/en.sms.liquid': 'x\n',
        'rules/new-rule.yaml': yaml,
      }),
    );
  });

  it('a valid draft becomes the candidate: the edited rule and template, the rest as active', () => {
    const checked = checkDraft(active(), {
      ruleId: 'order-survey',
      yaml: ruleYaml('order-survey', 'priority: 70\n'),
      templates: { 'order-survey/en.sms.liquid': 'Rate order {{ detail.orderId }}!\n' },
    });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.content.rules.map((r) => [r.id, r.priority])).toEqual([
      ['order-thanks', 50],
      ['order-survey', 70],
      ['order-late', 50],
    ]);
    expect(checked.content.templates['order-survey/en.sms.liquid']).toBe(
      'Rate order {{ detail.orderId }}!\n',
    );
  });

  it('an empty editor or two rules in it are refused', () => {
    const empty = checkDraft(active(), { ruleId: 'order-late', yaml: '', templates: {} });
    expect(empty.ok ? [] : empty.issues.map(formatRuleIssue)).toContain(
      'rules/order-late.yaml:1 no rule: write one rule (id, description, on, …)',
    );
    const two = checkDraft(active(), {
      yaml: `${ruleYaml('order-a')}---\n${ruleYaml('order-b')}`,
      templates: {},
    });
    expect(two.ok ? [] : two.issues.map(formatRuleIssue).join('\n')).toMatch(
      /2 rules: the editor holds one rule/,
    );
  });
});
