import { existsSync, readFileSync } from 'node:fs';
import { formatRuleIssue, type RuleIssue } from '../../functions/core/rules/parse-rule-files.ts';
import type { SimulationInput } from '../../functions/simulator/run-simulation.ts';

/** Prints issues to stderr, compiler style. */
export function printIssues(issues: ReadonlyArray<RuleIssue>): void {
  for (const issue of issues) process.stderr.write(`${formatRuleIssue(issue)}\n`);
}

/** Reads a JSON Lines file (or a JSON array file) into numbered inputs; bad lines are kept as errors. */
export function readJsonLines(path: string): SimulationInput[] {
  if (!existsSync(path)) throw new Error(`file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map((value: unknown, index) => ({ line: index + 1, value }));
  }
  const inputs: SimulationInput[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) return;
    try {
      inputs.push({ line: index + 1, value: JSON.parse(line) });
    } catch (error) {
      inputs.push({
        line: index + 1,
        error: `not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });
  return inputs;
}
