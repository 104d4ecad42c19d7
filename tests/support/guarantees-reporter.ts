import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { GuaranteeFigures } from '../guarantees/support/figures.ts';

/**
 * Prints the figures the guarantee suites recorded (`recordFigures`) as one table at the end of
 * the run, and keeps it as Markdown in `tests/artifacts/guarantees.md` (copied into
 * docs/guarantees.md by hand when the figures change). Silent in runs without such figures.
 */
export default class GuaranteesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: Array<GuaranteeFigures & { state: string }> = [];
    for (const testModule of testModules) {
      for (const testCase of testModule.children.allTests()) {
        const figures = testCase.meta().guarantee;
        if (figures !== undefined) rows.push({ ...figures, state: testCase.result().state });
      }
    }
    if (rows.length === 0) return;
    rows.sort((a, b) => a.suite.localeCompare(b.suite, 'en', { numeric: true }));
    const markdown = [
      '| suite | injected | observed | result |',
      '| --- | --- | --- | --- |',
      ...rows.map(
        (row) =>
          `| ${row.suite}${row.seed === undefined ? '' : ` (seed ${row.seed})`} | ${row.injected} | ${row.observed} | ${row.state} |`,
      ),
    ].join('\n');
    // The figures the consent guarantees are judged by, one per line, with what they must be.
    const keys = rows.flatMap((row) =>
      (row.key ?? []).map(
        (key) => `| ${key.figure} | ${key.value} | ${key.target} | ${row.suite} | ${row.state} |`,
      ),
    );
    const keyTable =
      keys.length === 0
        ? ''
        : [
            '\n\nKey figures:\n',
            '| figure | value | must be | suite | result |',
            '| --- | --- | --- | --- | --- |',
            ...keys,
          ].join('\n');
    const scale = process.env.NUDGE_GUARANTEES_SCALE === 'full' ? 'full' : 'ci';
    process.stdout.write(`\nGuarantees (scale ${scale}):\n\n${markdown}${keyTable}\n`);
    const dir = join(process.cwd(), 'tests', 'artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'guarantees.md'), `Scale: ${scale}\n\n${markdown}${keyTable}\n`);
  }
}
