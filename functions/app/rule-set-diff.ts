/**
 * What changes between two rule-set versions, for people deciding whether to publish (the CLI's
 * publish gate, `nudge rules diff`, the console): rules added, removed and changed (with the
 * changed fields), template texts as a line diff, settings by field. Pure.
 */
import type { RuleSetContent } from './ports/rule-sets.ts';

/** One changed template: its lines, each kept (' '), removed ('-') or added ('+'). */
interface TemplateChange {
  file: string;
  kind: 'added' | 'removed' | 'changed';
  lines: Array<{ op: ' ' | '-' | '+'; text: string }>;
}

/** The difference between two versions. */
export interface RuleSetDiff {
  rulesAdded: string[];
  rulesRemoved: string[];
  /** Rule id → the changed field paths (`send.at`, `enabled`). */
  rulesChanged: Array<{ id: string; fields: string[] }>;
  templates: TemplateChange[];
  settingsChanged: string[];
}

/** The difference from `before` to `after`. */
export function diffRuleSets(before: RuleSetContent, after: RuleSetContent): RuleSetDiff {
  const old = new Map(before.rules.map((rule) => [rule.id, rule]));
  const next = new Map(after.rules.map((rule) => [rule.id, rule]));
  const rulesChanged: RuleSetDiff['rulesChanged'] = [];
  for (const [id, rule] of next) {
    const previous = old.get(id);
    if (previous === undefined) continue;
    const fields = changedPaths(previous, rule, '');
    if (fields.length > 0) rulesChanged.push({ id, fields });
  }
  const templates: TemplateChange[] = [];
  const files = [...new Set([...Object.keys(before.templates), ...Object.keys(after.templates)])].sort();
  for (const file of files) {
    const a = before.templates[file];
    const b = after.templates[file];
    if (a === b) continue;
    const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    templates.push({ file, kind, lines: lineDiff(a ?? '', b ?? '') });
  }
  return {
    rulesAdded: [...next.keys()].filter((id) => !old.has(id)).sort(),
    rulesRemoved: [...old.keys()].filter((id) => !next.has(id)).sort(),
    rulesChanged,
    templates,
    settingsChanged: changedPaths(before.settings, after.settings, ''),
  };
}

/** Whether nothing changes. */
export function isEmptyDiff(diff: RuleSetDiff): boolean {
  return (
    diff.rulesAdded.length + diff.rulesRemoved.length + diff.rulesChanged.length + diff.templates.length ===
      0 && diff.settingsChanged.length === 0
  );
}

/** The diff as text: one line per rule, template lines prefixed `-`/`+` (kept lines only near changes). */
export function formatRuleSetDiff(diff: RuleSetDiff): string {
  if (isEmptyDiff(diff)) return 'No changes.\n';
  const out: string[] = [
    `Rules: ${diff.rulesAdded.length} added, ${diff.rulesRemoved.length} removed, ${diff.rulesChanged.length} changed`,
  ];
  for (const id of diff.rulesAdded) out.push(`  + ${id}`);
  for (const id of diff.rulesRemoved) out.push(`  - ${id}`);
  for (const { id, fields } of diff.rulesChanged) out.push(`  ~ ${id}: ${fields.join(', ')}`);
  out.push(`Templates: ${diff.templates.length} changed`);
  for (const template of diff.templates) {
    out.push(
      `  ${template.kind === 'added' ? '+' : template.kind === 'removed' ? '-' : '~'} ${template.file}`,
    );
    template.lines.forEach((line, index) => {
      const near = template.lines.slice(Math.max(0, index - 1), index + 2).some((other) => other.op !== ' ');
      if (line.op !== ' ' || near) out.push(`    ${line.op} ${line.text}`);
    });
  }
  if (diff.settingsChanged.length > 0) out.push(`Settings changed: ${diff.settingsChanged.join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** Field paths whose values differ; arrays and scalars compare whole. */
function changedPaths(a: unknown, b: unknown, prefix: string): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => changedPaths(a[key], b[key], prefix === '' ? key : `${prefix}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix === '' ? '(whole)' : prefix];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A line diff by longest common subsequence (templates are short). */
function lineDiff(a: string, b: string): TemplateChange['lines'] {
  const x = a === '' ? [] : a.split('\n');
  const y = b === '' ? [] : b.split('\n');
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      const row = lcs[i] ?? [];
      row[j] =
        x[i] === y[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const lines: TemplateChange['lines'] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      lines.push({ op: ' ', text: x[i++] ?? '' });
      j++;
    } else if (i < x.length && (j >= y.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      lines.push({ op: '-', text: x[i++] ?? '' });
    } else {
      lines.push({ op: '+', text: y[j++] ?? '' });
    }
  }
  return lines;
}
