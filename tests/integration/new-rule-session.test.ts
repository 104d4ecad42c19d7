/**
 * A scripted "new rule" session, as a new operations user would have it: write the payment-failed
 * rule ("payment failed → SMS within an hour in business hours, in Swedish, cancelled by
 * PaymentSucceeded") in a project folder of its own, make each mistake the rule author's loop must
 * catch, and run the real `nudge rules validate` after each one. Every mistake must come back with
 * file:line:column (relative to the working folder) and a suggestion; the finished rule validates clean.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = resolve('bin/nudge.js');
const RULE_FILE = 'rules/payment-failed.yaml';
const SV_TEMPLATE = 'templates/payment-failed/sv.sms.liquid';

const GOOD_RULE = `id: payment-failed
description: Tell the customer, in Swedish and in business hours, that a payment failed; cancelled when it succeeds.
on:
  source: [acme.billing]
  detail-type: [PaymentFailed]
send: { after: PT1H }
window: { days: [mon, tue, wed, thu, fri], hours: "08:00-17:00" }
cancel:
  on:
    - source: [acme.billing]
      detail-type: [PaymentSucceeded]
  key: detail.invoiceId
channels: [sms]
template: payment-failed
locale: sv
dedupe:
  key: "{{ detail.invoiceId }}"
vars:
  supportPhone: "08-123 45 67"
examples:
  - detail: { invoiceId: F-1001, amount: 499, currency: SEK }
`;

const GOOD_TEMPLATE =
  "Hej {{ customer.firstName | default: 'kund' }}! Betalningen av faktura {{ detail.invoiceId }} på {{ detail.amount | money: detail.currency }} gick inte igenom. Ring {{ vars.supportPhone }}.\n";

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'nudge-new-rule-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'payment-failed'), { recursive: true });
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Writes the project as the author has it now and runs `nudge rules validate` in its folder. */
function validate(files: { rule?: string; template?: string; templateFile?: string }, args: string[] = []) {
  rmSync(join(project, 'templates', 'payment-failed'), { recursive: true, force: true });
  mkdirSync(join(project, 'templates', 'payment-failed'), { recursive: true });
  writeFileSync(join(project, RULE_FILE), files.rule ?? GOOD_RULE);
  writeFileSync(join(project, files.templateFile ?? SV_TEMPLATE), files.template ?? GOOD_TEMPLATE);
  const run = spawnSync(process.execPath, [CLI, 'rules', 'validate', ...args], {
    cwd: project,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `file:line:column` of the first occurrence of `needle` in `text`, counted here, not by Nudge. */
function at(file: string, text: string, needle: string): string {
  const index = text.indexOf(needle);
  expect(index, `${needle} in ${file}`).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, index).split('\n');
  return `${file}:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/** The template with one piece replaced: the mistake under test. */
const templateWith = (from: string, to: string) => GOOD_TEMPLATE.replace(from, to);
const ruleWith = (from: string, to: string) => GOOD_RULE.replace(from, to);

/** The one error line naming `where`, after checking the run failed. */
function errorAt(run: ReturnType<typeof validate>, where: string): string {
  expect(run.status, run.stderr).toBe(1);
  const line = run.stderr.split('\n').find((text) => text.startsWith(`${where} `));
  expect(line, run.stderr).toBeDefined();
  return line ?? '';
}

describe('a new rule, mistake by mistake, through nudge rules validate', { timeout: 120_000 }, () => {
  it('accepts the finished rule without errors or warnings', () => {
    const run = validate({});
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`(${RULE_FILE})`);
    expect(run.stdout).toContain('1 rule(s) valid.');
  });

  it.each([
    ['customer.firstName', 'customer.first_name', "'customer.firstName'"],
    ['customer.firstName', 'kund.fornamn', "'customer.firstName'"],
    ['customer.firstName', 'customer.nickname', "'customer.name'"],
    ['detail.invoiceId', 'detail.invoiceNr', "'detail.invoiceId'"],
  ])('%s written as %s: located in the template, did you mean %s', (right, wrong, suggestion) => {
    const template = templateWith(right, wrong);
    const line = errorAt(validate({ template }), at(SV_TEMPLATE, template, wrong));
    expect(line).toContain(`unknown variable '${wrong}'`);
    expect(line).toContain(`did you mean ${suggestion}?`);
  });

  it('a var the rule does not have: located in the template, naming the vars it has', () => {
    const template = templateWith('vars.supportPhone', 'vars.nope');
    const line = errorAt(validate({ template }), at(SV_TEMPLATE, template, 'vars.nope'));
    expect(line).toContain("unknown variable 'vars.nope'");
    expect(line).toContain('supportPhone');
    expect(line).toContain('payment-failed');
  });

  it('a var on a rule with no vars at all: says how to add it', () => {
    const rule = ruleWith('vars:\n  supportPhone: "08-123 45 67"\n', '');
    const line = errorAt(validate({ rule }), at(SV_TEMPLATE, GOOD_TEMPLATE, 'vars.supportPhone'));
    expect(line).toContain('has no vars; add vars: { supportPhone: … } to the rule');
  });

  it('a filter that does not exist: located, did you mean the real one', () => {
    const template = templateWith('| money:', '| mony:');
    const run = validate({ template });
    const line = errorAt(run, at(SV_TEMPLATE, template, '{{ detail.amount | mony'));
    expect(line).toContain('undefined filter: mony');
    expect(line).toContain("did you mean 'money'?");
    expect(run.stderr).not.toContain('no sms template');
  });

  it('an unclosed {{ names its own line and column, not the text after it', () => {
    const template = templateWith('{{ detail.invoiceId }}', '{{ detail.invoiceId');
    const line = errorAt(validate({ template }), at(SV_TEMPLATE, template, '{{ detail.invoiceId'));
    expect(line).toContain("'{{' is not closed: add '}}'");
    expect(line).not.toContain('gick inte igenom');
  });

  it('a malformed dedupe key is located inside the key', () => {
    const rule = ruleWith('"{{ detail.invoiceId }}"', '"{{ detail.invoiceId }"');
    const line = errorAt(validate({ rule }), at(RULE_FILE, rule, '{{ detail.invoiceId }"'));
    expect(line).toContain('dedupe.key:');
    expect(line).toContain("'{{' is not closed");
  });

  it('a constant dedupe key would dedupe across customers: refused, with a key to use instead', () => {
    const rule = ruleWith('"{{ detail.invoiceId }}"', '"payment"');
    const line = errorAt(validate({ rule }), at(RULE_FILE, rule, 'payment"'));
    expect(line).toContain('the same for every customer');
    expect(line).toContain('{{ detail.');
  });

  it('a dedupe key or correlation key naming a field the examples do not have: did you mean', () => {
    const dedupe = ruleWith('"{{ detail.invoiceId }}"', '"{{ detail.invoice }}"');
    const dedupeLine = errorAt(validate({ rule: dedupe }), at(RULE_FILE, dedupe, 'detail.invoice }}'));
    expect(dedupeLine).toContain("did you mean 'detail.invoiceId'?");
    const cancel = ruleWith('key: detail.invoiceId', 'key: detail.invoiceID');
    const cancelLine = errorAt(validate({ rule: cancel }), at(RULE_FILE, cancel, 'key: detail.invoiceID'));
    expect(cancelLine).toContain("did you mean 'detail.invoiceId'?");
  });

  it("a template missing in the rule's locale is located at template:, not at id:", () => {
    const run = validate({ templateFile: 'templates/payment-failed/en.sms.liquid' });
    const line = errorAt(run, at(RULE_FILE, GOOD_RULE, 'template: payment-failed'));
    expect(line).toContain('add templates/payment-failed/sv.sms.liquid');
    expect(run.stderr).not.toContain('nothing was changed');
  });

  it('names rule and template files relative to the working folder, however the folders were given', () => {
    const template = templateWith('customer.firstName', 'customer.first_name');
    const rule = ruleWith('"{{ detail.invoiceId }}"', '"payment"');
    const absolute = [join(project, 'rules'), '--templates', join(project, 'templates')];
    const run = validate({ rule, template }, absolute);
    errorAt(run, at(SV_TEMPLATE, template, 'customer.first_name'));
    errorAt(run, at(RULE_FILE, rule, 'payment"'));
    expect(run.stderr).not.toContain(project);
  });

  it('warns, without failing, on detail it cannot check and on an immediate rule without dedupe', () => {
    const rule = ruleWith('send: { after: PT1H }', 'send: immediately')
      .replace('dedupe:\n  key: "{{ detail.invoiceId }}"\n', '')
      .replace(/examples:\n.*\n$/, '');
    const run = validate({ rule });
    expect(run.status, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.endsWith('(warning)'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^rules\/payment-failed\.yaml:\d+:\d+ examples: detail\.invoiceId, .*add examples/,
      ),
      expect.stringContaining(
        `${at(RULE_FILE, rule, 'send: immediately')} send: an immediate rule without a dedupe key`,
      ),
    ]);
  });
});
