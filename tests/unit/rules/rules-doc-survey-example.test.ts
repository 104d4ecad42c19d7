/**
 * docs/rules.md "Goals, holdouts and surveys: an example to copy" promises that its blocks are whole
 * files that validate as a project. This reads them from the doc (path line, then the fenced block)
 * and loads them as a project folder, the way `nudge rules validate` does.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProjectFolder } from '../../../functions/adapters/files/load-project.ts';
import { formatRuleIssue } from '../../../functions/core/rules/parse-rule-files.ts';

const HEADING = '### Goals, holdouts and surveys: an example to copy';

/** The files of the doc's section: each "`path`…:" line followed by a fenced block. */
function docFiles(): Map<string, string> {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'rules.md'), 'utf8');
  const start = doc.indexOf(HEADING);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start);
  const section = doc.slice(start, end < 0 ? undefined : end);
  const files = new Map<string, string>();
  for (const match of section.matchAll(/^`([^`]+)`[^\n]*:\n\n```[a-z]*\n([\s\S]*?)```/gm)) {
    files.set(match[1] ?? '', match[2] ?? '');
  }
  return files;
}

const scratch = mkdtempSync(join(tmpdir(), 'nudge-doc-survey-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the goals, holdouts and surveys example in docs/rules.md', () => {
  it('is a rule and its templates that validate with no errors and no warnings', () => {
    const files = docFiles();
    expect([...files.keys()].sort()).toEqual([
      'rules/case-survey.yaml',
      'templates/case-survey/sv.email.liquid',
      'templates/case-survey/sv.sms.liquid',
    ]);
    for (const [path, text] of files) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
    writeFileSync(join(scratch, 'nudge.config.yaml'), 'defaults:\n  locale: sv\n');

    const project = loadProjectFolder(scratch);

    expect(project.issues.map(formatRuleIssue)).toEqual([]);
    expect(project.warnings.map(formatRuleIssue)).toEqual([]);
    const [loaded] = project.rules;
    expect(loaded?.rule).toMatchObject({
      id: 'case-survey',
      holdout: 0.1,
      replies: { expect: 'score', within: 'P3D' },
      avoid: { key: 'detail.customer.id', within: 'P7D' },
      goal: { key: 'detail.customer.id', within: 'P14D' },
    });
  });
});
