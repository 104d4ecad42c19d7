/**
 * The local runtime's rule sets: the project folder is published as a version in the local table
 * (at start and on every valid edit), and the runtime runs the active version through the same
 * {@link ActiveProject} path the Lambda functions use — so `nudge rules publish`, `history` and
 * `rollback` work against `npm start` as they do against AWS.
 */
import { join } from 'node:path';
import type { Project } from '../../functions/adapters/files/load-project.ts';
import { encodeRuleSet } from '../../functions/adapters/rule-set-json.ts';
import { type ActiveProject, createActiveProject } from '../../functions/app/active-project.ts';
import type { RuleSetContent, RuleSetStore } from '../../functions/app/ports/rule-sets.ts';
import type { Clock } from '../../functions/app/ports.ts';
import { readTemplateFiles } from '../../functions/app/templates/load-template-catalog.ts';
import type { TemplateCatalog } from '../../functions/core/messages/index.ts';
import { buildTemplateCatalog } from '../../functions/core/messages/template-catalog.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import type { CompiledProject } from '../../functions/wiring/compose.ts';

/** Who the local runtime's publishes are recorded as. */
const LOCAL_PUBLISHER = 'local runtime (project files)';

/** What the local runtime runs of a version: the compiled rules, settings and templates. */
export type LocalProject = CompiledProject & { catalog: TemplateCatalog };

/** A loaded, valid project folder as a version's content. */
export function projectContent(projectDir: string, project: Project): RuleSetContent {
  return {
    settings: project.settings,
    rules: project.rules.map((loaded) => loaded.rule),
    templates: readTemplateFiles(join(projectDir, 'templates')),
  };
}

/**
 * Publishes `content` unless the active version holds exactly it (same hash). Returns the active
 * version afterwards. A publish that loses to another (a CLI publish at the same moment) is
 * reported by the store's conflict error.
 */
export async function publishIfChanged(
  ruleSets: RuleSetStore,
  content: RuleSetContent,
  clock: Clock,
  message: string,
): Promise<{ version: number; published: boolean }> {
  const active = await ruleSets.active();
  if (active !== undefined) {
    const current = await ruleSets.getVersion(active.version);
    if (current?.sourceHash === encodeRuleSet(content).sourceHash)
      return { version: active.version, published: false };
  }
  const move = await ruleSets.publish(content, {
    expectedVersion: active?.version,
    at: clock.now().toUTC().toISO() ?? '',
    by: LOCAL_PUBLISHER,
    message,
  });
  return { version: move.to, published: true };
}

/**
 * At start: the project files are published as a version when they differ from the active one,
 * and the runtime runs the active version from then on, as the Lambda functions do.
 */
export async function startRuleSets(parts: {
  ruleSets: RuleSetStore;
  dir: string;
  project: Project;
  clock: Clock;
  log: (line: string) => void;
}): Promise<{ active: ActiveProject<LocalProject>; initial: LocalProject }> {
  const content = projectContent(parts.dir, parts.project);
  const published = await publishIfChanged(parts.ruleSets, content, parts.clock, 'project files at start');
  parts.log(
    `rule set: version ${published.version} active${published.published ? ' (published from the project files)' : ''}`,
  );
  const active = localActiveProject(parts.ruleSets, parts.clock);
  return { active, initial: (await active.current()).project };
}

/** The active version, compiled for the local runtime (rules, settings, templates). */
function localActiveProject(ruleSets: RuleSetStore, clock: Clock): ActiveProject<LocalProject> {
  return createActiveProject({
    ruleSets,
    clock,
    compile: (content, version) => {
      const templates = buildTemplateCatalog(content.templates);
      if (templates.issues.length > 0) {
        throw new Error(
          `templates of rule-set version ${version} are invalid: ${templates.issues.map((issue) => `${issue.file}: ${issue.message}`).join('; ')}`,
        );
      }
      return {
        settings: content.settings,
        rules: compileRuleSet(content.rules),
        ruleSetVersion: version,
        catalog: templates.catalog,
      };
    },
  });
}
