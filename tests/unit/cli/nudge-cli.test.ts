import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Runs the real `nudge` command as a user would, returning its streams and exit code. */
async function nudge(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/nudge.js', ...args], { encoding: 'utf8' });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('the nudge command', () => {
  it('validates a project with a one-line summary per rule and a count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nudge-rules-'));
    mkdirSync(join(dir, 'rules'));
    mkdirSync(join(dir, 'templates', 'renewal'), { recursive: true });
    const rule = (id: string) =>
      `id: ${id}\ndescription: x\non: { source: [acme.policy], detail-type: [PolicyRenewalScheduled] }\nsend: { after: PT1H }\ndedupe: { key: "{{ detail.policyId }}" }\nchannels: [sms, email]\ntemplate: renewal\n`;
    writeFileSync(join(dir, 'rules', 'a.yaml'), rule('renewal-a'));
    writeFileSync(join(dir, 'rules', 'b.yaml'), rule('renewal-b'));
    writeFileSync(join(dir, 'templates', 'renewal', 'en.sms.liquid'), 'Renewal {{ detail.policyId }}\n');
    writeFileSync(
      join(dir, 'templates', 'renewal', 'en.email.liquid'),
      'subject: Renewal\n--- text\nRenewal {{ detail.policyId }}\n',
    );
    const result = await nudge(
      'rules',
      'validate',
      join(dir, 'rules'),
      '--templates',
      join(dir, 'templates'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^ok {2}renewal-a: on "acme\.policy"\/"PolicyRenewalScheduled" → sms>email/m,
    );
    expect(result.stdout).toMatch(/^ok {2}renewal-b: /m);
    expect(result.stdout).toContain('2 rule(s) valid.');
  });

  it('validates the shipped rules and templates (samples must stay valid; their number is free)', async () => {
    const result = await nudge('rules', 'validate');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+ rule\(s\) valid\.$/m);
  });

  it('fails on an invalid rule with file:line field: message and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nudge-rules-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'id: bad-rule\ndescription: x\non: { source: [acme] }\nsend:\n  at:\n    field: detail.d\n    offset: two weeks\nchannels: [sms]\ntemplate: renewal-reminder\n',
    );
    const result = await nudge('rules', 'validate', dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(dir, 'bad.yaml').replace(`${process.cwd()}/`, '')}:7 send.at.offset: expected an ISO-8601 duration such as -P14D`,
    );
  });

  it('reports a rule whose template does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nudge-rules-'));
    writeFileSync(
      join(dir, 'r.yaml'),
      'id: no-template\ndescription: x\non: { source: [acme] }\nsend: immediately\nchannels: [email]\ntemplate: nowhere\n',
    );
    const result = await nudge('rules', 'validate', dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("template: no email template 'nowhere' in the default locale");
  });

  it('exports a JSON Schema of the rule language', async () => {
    const result = await nudge('rules', 'schema');
    const schema = JSON.parse(result.stdout);
    expect(schema.properties.send).toBeDefined();
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'on', 'channels', 'template']));
  });

  it('previews a template with encoding and segments', async () => {
    const result = await nudge(
      'preview',
      'renewal-reminder',
      '--event',
      'examples/renewal-event.json',
      '--locale',
      'en',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SMS · en · Europe\/Stockholm · GSM-7 · \d segment\(s\)/);
    expect(result.stdout).toContain('renews on January 15, 2027');
  });

  it('previews a threshold alert with a sample alert from the rule that uses the template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nudge-preview-'));
    const event = {
      version: '0',
      id: 'ev-case-9',
      'detail-type': 'CaseOpened',
      source: 'acme.cases',
      account: '111122223333',
      time: '2026-11-24T08:47:00Z',
      region: 'eu-north-1',
      resources: [],
      detail: { caseId: 'C-9', problemCode: 'LOGIN-FAIL', customer: { id: 'cust-9' } },
    };
    writeFileSync(join(dir, 'case.json'), JSON.stringify(event));
    const result = await nudge(
      'preview',
      'problem-spike',
      '--channel',
      'email',
      '--event',
      join(dir, 'case.json'),
      '--locale',
      'en',
    );
    expect(result.code).toBe(0);
    // rules/problem-spike.yaml: 10 cases with the same detail.problemCode within PT1H.
    expect(result.stdout).toContain('Subject: 10 new cases about LOGIN-FAIL within 1 hour');
    expect(result.stdout).toContain('- ev-case-9 (customer cust-9)');
    expect(result.stdout).toContain('Nudge rule problem-spike');
  });

  it('prints help for every command', async () => {
    for (const command of [[], ['rules'], ['rules', 'validate'], ['simulate'], ['preview'], ['demo']]) {
      const result = await nudge(...command, '--help');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: nudge');
    }
  });
});
