import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type EngineSettings, EngineSettingsSchema } from '../../core/config/engine-settings.ts';
import { decodeUtf8 } from '../../core/decode-utf8.ts';
import {
  type LoadedRule,
  parseRuleFiles,
  type RuleFile,
  type RuleIssue,
} from '../../core/rules/parse-rule-files.ts';

/**
 * Reads every `*.yaml`/`*.yml` file below a folder, paths shown relative to `base`. A file that
 * is not valid UTF-8 is not read on (a lenient decoder would turn the bad bytes into U+FFFD and
 * a rule would go live with text nobody wrote): it comes back as an issue at the first bad byte.
 */
function readRuleFiles(dir: string, base = process.cwd()): { files: RuleFile[]; issues: RuleIssue[] } {
  if (!existsSync(dir)) throw new Error(`rules folder not found: ${dir}`);
  const files: RuleFile[] = [];
  const issues: RuleIssue[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) {
        const file = shownPath(base, path);
        const decoded = decodeUtf8(readFileSync(path));
        if (decoded.ok) files.push({ file, text: decoded.text });
        else issues.push({ file, line: decoded.line, field: '', message: decoded.message });
      }
    }
  };
  walk(dir);
  return { files, issues };
}

/** Loads and validates the rules in a folder. */
export function loadRules(dir: string, base = process.cwd()): { rules: LoadedRule[]; issues: RuleIssue[] } {
  const read = readRuleFiles(dir, base);
  const parsed = parseRuleFiles(read.files);
  return { rules: parsed.rules, issues: [...read.issues, ...parsed.issues] };
}

/** Loads `nudge.config.yaml` (optional: the defaults apply without it), with located errors. */
export function loadSettings(
  path: string | undefined,
  base = process.cwd(),
): { settings: EngineSettings; issues: RuleIssue[] } {
  const file = path ?? join(base, 'nudge.config.yaml');
  if (!existsSync(file)) {
    if (path !== undefined) throw new Error(`config file not found: ${path}`);
    return { settings: EngineSettingsSchema.parse({}), issues: [] };
  }
  const shown = shownPath(base, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => ({
      file: shown,
      line: lineCounter.linePos(error.pos[0]).line,
      field: '',
      message: `YAML: ${error.message.split('\n')[0]}`,
    }));
    return { settings: EngineSettingsSchema.parse({}), issues };
  }
  const parsed = EngineSettingsSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return { settings: parsed.data, issues: [] };
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
    const node = doc.getIn(path, true);
    const offset =
      node !== null && typeof node === 'object' && 'range' in node && Array.isArray(node.range)
        ? Number(node.range[0])
        : 0;
    return {
      file: shown,
      line: lineCounter.linePos(offset).line,
      field: path.join('.'),
      message: issue.message,
    };
  });
  return { settings: EngineSettingsSchema.parse({}), issues };
}

/** A path as messages show it: relative to `base` when inside it, otherwise absolute. */
export function shownPath(base: string, path: string): string {
  const inside = relative(base, path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? resolve(path) : inside;
}
