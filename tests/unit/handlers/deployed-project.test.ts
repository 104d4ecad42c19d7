import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../functions/core/messages/template-catalog.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { compileDeployedProject, loadDeployedProject } from '../../../functions/handlers/compile-project.ts';
import {
  DEPLOYED_PROJECT_FILE,
  DEPLOYED_PROJECT_FORMAT,
  readDeployedProject,
} from '../../../functions/handlers/deployed-project.ts';
import { REPO_ROOT } from '../../../infra/settings.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-deployed-project-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The example files hold some deliberately malformed lines (bad-input demos): those are skipped. */
function jsonOrNothing(line: string): unknown[] {
  try {
    return [JSON.parse(line)];
  } catch {
    return [];
  }
}

/** Writes the shipped project as synthesis does and returns the folder holding it. */
function deployShippedProject(): string {
  const dir = tempDir();
  writeFileSync(join(dir, DEPLOYED_PROJECT_FILE), JSON.stringify(compileDeployedProject(REPO_ROOT)));
  return dir;
}

describe('the deployed project (nudge-project.json)', () => {
  it('holds exactly the validated settings and rules the YAML loader produces', () => {
    const loaded = loadDeployedProject(REPO_ROOT);

    const deployed = readDeployedProject(deployShippedProject());

    expect(deployed.format).toBe(DEPLOYED_PROJECT_FORMAT);
    expect(deployed.settings).toStrictEqual(loaded.settings);
    expect(deployed.rules).toStrictEqual([...loaded.rules.rules.values()]);
  });

  it('compiles to a rule index that matches every example event as the project folder does', () => {
    const loaded = loadDeployedProject(REPO_ROOT);
    const events = readdirSync(join(REPO_ROOT, 'examples', 'events'))
      .filter((name) => name.endsWith('.jsonl'))
      .flatMap((name) => readFileSync(join(REPO_ROOT, 'examples', 'events', name), 'utf8').split('\n'))
      .flatMap(jsonOrNothing);

    const rules = compileRuleSet(readDeployedProject(deployShippedProject()).rules);

    expect(events.length).toBeGreaterThan(10);
    const ids = (found: ReadonlyArray<{ id: string }>) => found.map((rule) => rule.id);
    const closers = (found: ReadonlyArray<{ rule: { id: string }; kind: string }>) =>
      found.map((closer) => `${closer.rule.id}:${closer.kind}`);
    for (const event of events) {
      expect(ids(rules.triggers.match(event))).toEqual(ids(loaded.rules.triggers.match(event)));
      expect(closers(rules.closers.match(event))).toEqual(closers(loaded.rules.closers.match(event)));
    }
    expect(events.some((event) => rules.triggers.match(event).length > 0)).toBe(true);
  });

  it('carries every template, which parses into the same catalog', () => {
    const loaded = loadDeployedProject(REPO_ROOT);

    const templates = buildTemplateCatalog(readDeployedProject(deployShippedProject()).templates);

    expect(templates.issues).toEqual([]);
    expect([...templates.catalog.templates.keys()]).toEqual([...loaded.catalog.templates.keys()]);
  });

  it('is refused by the synthesis step when a rule does not validate, with the located message', () => {
    const dir = tempDir();
    for (const name of ['rules', 'templates', 'nudge.config.yaml'])
      cpSync(join(REPO_ROOT, name), join(dir, name), { recursive: true });
    writeFileSync(join(dir, 'rules', 'broken.yaml'), 'id: broken\non: {}\n');

    expect(() => compileDeployedProject(dir)).toThrow(/Nudge rules are invalid:\nrules\/broken\.yaml:\d+/);
  });

  it('fails the cold start with the file named when it is missing', () => {
    const dir = tempDir();

    expect(() => readDeployedProject(dir)).toThrow(
      new RegExp(`Nudge project not readable from .*${DEPLOYED_PROJECT_FILE}`),
    );
  });

  it.each([
    ['another format', { format: 2, settings: {}, rules: [], templates: {} }],
    ['no rules list', { format: DEPLOYED_PROJECT_FORMAT, settings: {}, templates: {} }],
    [
      'a template that is not text',
      { format: DEPLOYED_PROJECT_FORMAT, settings: {}, rules: [], templates: { a: 1 } },
    ],
  ])('fails the cold start on a file with %s', (_, content) => {
    const dir = tempDir();
    writeFileSync(join(dir, DEPLOYED_PROJECT_FILE), JSON.stringify(content));

    expect(() => readDeployedProject(dir)).toThrow(/is not a format-1 project file/);
  });
});
