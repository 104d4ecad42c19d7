// Context settings, the sources the ingest rule derives from the rules, and synthesis refusing
// an invalid rules folder. Nothing here bundles: validation fails before any function exists.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../functions/adapters/files/load-rules.ts';
import { formatRuleIssue } from '../../functions/core/rules/parse-rule-files.ts';
import { buildNudgeApp } from '../../infra/nudge-app.ts';
import { sourcesOfRules } from '../../infra/project-files.ts';
import { parseSettings, REPO_ROOT } from '../../infra/settings.ts';
import { aRule } from '../support/factories.ts';

const temporary: string[] = [];

afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the shipped project (rules, templates, config) plus extra rule files. */
function projectWith(extraRules: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-project-'));
  temporary.push(dir);
  for (const name of ['rules', 'templates', 'nudge.config.yaml']) {
    cpSync(join(REPO_ROOT, name), join(dir, name), { recursive: true });
  }
  for (const [file, text] of Object.entries(extraRules)) writeFileSync(join(dir, 'rules', file), text);
  return dir;
}

describe('context settings', () => {
  it('has defaults for everything', () => {
    expect(parseSettings({})).toEqual({
      stage: 'dev',
      busName: undefined,
      sources: undefined,
      retentionDays: 400,
      sendConcurrency: 20,
      sendBatchSize: 5,
      twilioSenderMps: {},
      webhookReservedConcurrency: 20,
      sendReservedConcurrency: 20,
      logRetentionDays: RetentionDays.ONE_MONTH,
      logLevel: 'INFO',
      alarmTopicArn: undefined,
      webhookBaseUrl: undefined,
      twilioSecretArn: undefined,
      sendgridSecretArn: undefined,
      projectDir: REPO_ROOT,
      consoleOidc: undefined,
      consoleGroupsClaim: 'cognito:groups',
      isProduction: false,
    });
  });

  it('reads values given as strings on the command line (-c key=value)', () => {
    const settings = parseSettings({
      stage: 'prod',
      sendConcurrency: '25',
      retentionDays: '90',
      logRetentionDays: '365',
      sources: 'acme.policy, acme.orders',
    });
    expect(settings).toMatchObject({
      stage: 'prod',
      isProduction: true,
      sendConcurrency: 25,
      retentionDays: 90,
      logRetentionDays: RetentionDays.ONE_YEAR,
      sources: ['acme.policy', 'acme.orders'],
    });
    expect(parseSettings({ sources: '["acme.a","acme.b"]' }).sources).toEqual(['acme.a', 'acme.b']);
    expect(parseSettings({ sources: ['acme.c'] }).sources).toEqual(['acme.c']);
  });

  it('reads Twilio sender rates as one figure for every sender or a figure per sender', () => {
    expect(parseSettings({ twilioSenderMps: '3' }).twilioSenderMps).toEqual({ '*': 3 });
    expect(parseSettings({ twilioSenderMps: '{"12345": 250}' }).twilioSenderMps).toEqual({ '12345': 250 });
    expect(() => parseSettings({ twilioSenderMps: '{"12345": 0}' })).toThrow(/twilioSenderMps/);
  });

  it('takes a send batch of 1 to 10 messages (an SQS standard queue event source)', () => {
    expect(parseSettings({ sendBatchSize: '10' }).sendBatchSize).toBe(10);
    expect(() => parseSettings({ sendBatchSize: '11' })).toThrow(/sendBatchSize/);
    expect(() => parseSettings({ sendBatchSize: '0' })).toThrow(/sendBatchSize/);
  });

  it('names every invalid key at once', () => {
    expect(() =>
      parseSettings({
        stage: 'Prod!',
        sendConcurrency: 1,
        logRetentionDays: 42,
        alarmTopicArn: 'not-an-arn',
        webhookBaseUrl: 'http://insecure.example.com',
        twilioSecretArn: 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:partial',
      }),
    ).toThrow(
      /stage: .*\n.*sendConcurrency: .*\n.*logRetentionDays: expected one of .*\n.*alarmTopicArn: .*\n.*webhookBaseUrl: .*\n.*twilioSecretArn: expected the complete secret ARN/,
    );
  });

  it('refuses settings that live in a secret or in nudge.config.yaml, saying where', () => {
    expect(() => parseSettings({ senderId: 'ACME', fromAddress: 'a@b.c', timeZone: 'Europe/Oslo' })).toThrow(
      /senderId: .*Twilio secret[\s\S]*fromAddress: .*SendGrid secret[\s\S]*timeZone: .*nudge\.config\.yaml/,
    );
  });
});

describe('ingest sources', () => {
  it('are every source the rules trigger, cancel or expect on, sorted and once each', () => {
    const rules = [
      aRule({ id: 'one', on: { source: ['acme.policy'] } }),
      aRule({
        id: 'two',
        on: { source: ['acme.orders'] },
        cancel: { on: [{ source: ['acme.returns', 'acme.policy'] }], key: 'detail.orderId' },
      }),
    ];
    expect(sourcesOfRules(rules)).toEqual(['acme.orders', 'acme.policy', 'acme.returns']);
  });

  it('cannot be derived from a prefix pattern: the sources setting is then required', () => {
    const rules = [aRule({ id: 'prefixed', on: { source: [{ prefix: 'acme.' }] } })];
    expect(() => sourcesOfRules(rules)).toThrow(/prefixed .*set the context value "sources"/);
  });

  it("come from the project's own rules by default, into the bus rule that feeds the ingest queue", () => {
    const dir = mkdtempSync(join(tmpdir(), 'nudge-project-'));
    temporary.push(dir);
    mkdirSync(join(dir, 'rules'));
    mkdirSync(join(dir, 'templates', 'payment-failed'), { recursive: true });
    writeFileSync(
      join(dir, 'rules', 'payment-failed.yaml'),
      [
        'id: payment-failed',
        'description: Tell the customer a payment failed, unless it is paid or refunded first.',
        'on: { source: [acme.billing], detail-type: [PaymentFailed] }',
        'send: { after: PT30M }',
        'cancel:',
        '  on: [{ source: [acme.returns, acme.billing], detail-type: [Refunded, PaymentSucceeded] }]',
        '  key: detail.paymentId',
        'channels: [sms]',
        'template: payment-failed',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'templates', 'payment-failed', 'en.sms.liquid'), 'Payment failed.\n');
    const { stack } = buildNudgeApp({
      context: { projectDir: dir, 'aws:cdk:bundling-stacks': [] },
      outdir: join(dir, 'cdk.out'),
    });
    const patterns = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map(
      (rule) => rule.Properties?.EventPattern,
    );
    expect(patterns).toContainEqual({ source: ['acme.billing', 'acme.returns'] });
  });
});

describe('synthesis with an invalid rules folder', () => {
  const broken = [
    'id: broken-rule',
    'description: A rule with a bad window and an unknown channel.',
    'on:',
    '  source: [acme.test]',
    '  detail-type: [Thing]',
    'send: immediately',
    'window:',
    '  hours: "25:00-26:00"',
    'channels: [pigeon]',
    'template: callback-booked',
    '',
  ].join('\n');
  const unknownTemplate = [
    'id: lost-template',
    'description: Points at a template that does not exist.',
    'on: { source: [acme.test], detail-type: [Other] }',
    'send: immediately',
    'channels: [sms]',
    'template: no-such-template',
    '',
  ].join('\n');

  it('fails with every located message, as `nudge rules validate` prints them', () => {
    const dir = projectWith({ 'broken.yaml': broken, 'lost.yaml': unknownTemplate });
    let message = '';
    try {
      buildNudgeApp({
        context: { projectDir: dir, 'aws:cdk:bundling-stacks': [] },
        outdir: join(dir, 'cdk.out'),
      });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toContain('rules/broken.yaml:8 window.hours: expected opening hours as HH:mm-HH:mm');
    expect(message).toContain('rules/broken.yaml:9 channels[0]: Invalid option');
    expect(message).toMatch(/rules\/lost\.yaml:\d+:\d+ template: .*no-such-template/);
    // …exactly the messages the rule loader gives, every one of them.
    for (const issue of loadRules(join(dir, 'rules'), dir).issues)
      expect(message).toContain(formatRuleIssue(issue));
  });

  it('stops before any function is bundled', () => {
    const dir = projectWith({ 'broken.yaml': broken });
    const outdir = join(dir, 'cdk.out');
    expect(() => buildNudgeApp({ context: { projectDir: dir }, outdir })).toThrow(/does not validate/);
    const staged = existsSync(outdir) ? readdirSync(outdir).filter((name) => name.startsWith('asset.')) : [];
    expect(staged).toEqual([]);
  });
});
