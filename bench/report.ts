/**
 * What the benchmarks share: a section recorder (each benchmark prints its figures and, when run
 * by `npm run bench`, hands the same text to the runner as a JSON file), the machine description,
 * small statistics and markdown helpers, and the writer of BENCHMARKS.md.
 *
 * Each benchmark runs in its own process (bench/run-all.ts spawns them one after another), so a
 * benchmark's heap, JIT state and child processes cannot colour the next one's figures; the
 * sections travel between processes as files in the directory named by {@link SECTION_DIR_ENV}.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, release, totalmem } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';

/** Environment variable naming the directory a benchmark writes its section to (set by the runner). */
export const SECTION_DIR_ENV = 'NUDGE_BENCH_SECTION_DIR';

/** A goal from the issue, and whether this run met it. */
export interface Goal {
  goal: string;
  met: boolean;
  detail: string;
}

const GoalSchema = z.object({ goal: z.string(), met: z.boolean(), detail: z.string() });

/** One benchmark's part of BENCHMARKS.md. */
export interface Section {
  /** Orders the sections and names the file (`1-match`, …). */
  id: string;
  title: string;
  /** The command that runs this benchmark alone. */
  command: string;
  /** Markdown: tables and notes. */
  body: string;
  goals: Goal[];
  /** Wall time of the benchmark, seconds. */
  seconds: number;
}

const SectionSchema = z.object({
  id: z.string(),
  title: z.string(),
  command: z.string(),
  body: z.string(),
  goals: z.array(GoalSchema),
  seconds: z.number(),
});

/**
 * Collects a benchmark's output: every line is printed at once (so a long run shows progress)
 * and kept for the section.
 */
export class SectionRecorder {
  private readonly lines: string[] = [];
  private readonly goals: Goal[] = [];
  private readonly started = performance.now();

  constructor(
    private readonly id: string,
    private readonly title: string,
    private readonly command: string,
  ) {}

  /** Prints and keeps one or more lines (a table is one call). */
  line(text = ''): void {
    console.log(text);
    this.lines.push(text);
  }

  /** Prints a line only: progress that does not belong in BENCHMARKS.md. */
  progress(text: string): void {
    console.log(text);
  }

  /** Records a goal and prints it as `goal: yes|NO (detail)`. */
  goal(goal: string, met: boolean, detail: string): void {
    this.goals.push({ goal, met, detail });
    this.line(`- ${goal}: **${met ? 'met' : 'missed'}** (${detail})`);
  }

  /** Records a goal without printing it (for a benchmark that prints its own verdict lines). */
  record(goal: string, met: boolean, detail: string): void {
    this.goals.push({ goal, met, detail });
  }

  /** The section so far. */
  section(): Section {
    return {
      id: this.id,
      title: this.title,
      command: this.command,
      body: this.lines.join('\n'),
      goals: [...this.goals],
      seconds: (performance.now() - this.started) / 1000,
    };
  }

  /** Hands the section to the runner when there is one (`npm run bench`); alone, printing was enough. */
  emit(): void {
    const dir = process.env[SECTION_DIR_ENV];
    if (dir === undefined || dir === '') return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${this.id}.json`), JSON.stringify(this.section(), null, 2));
  }
}

/** The sections benchmarks wrote to `dir`, by id. */
export function readSections(dir: string): Section[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => SectionSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8'))));
}

// --- the machine ---------------------------------------------------------------------------------

/** What the figures were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    freeMemoryGiB: freemem() / 2 ** 30,
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

/**
 * Peak resident memory (VmHWM) of a process in MiB, from /proc; undefined where there is no /proc
 * entry (the process is gone, or not Linux).
 */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

// --- statistics ----------------------------------------------------------------------------------

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values: ReadonlyArray<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function median(values: ReadonlyArray<number>): number {
  return percentile(values, 50);
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export function nowMs(): number {
  return performance.now();
}

// --- formatting ----------------------------------------------------------------------------------

/** `12,345` */
export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-GB') : '–';
}

/** A number with `digits` decimals, or – when it is not one. */
export function num(value: number, digits = 1): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
}

/** `45 %` of a fraction in [0, 1]. */
export function pct(fraction: number, digits = 0): string {
  return Number.isFinite(fraction) ? `${num(fraction * 100, digits)} %` : '–';
}

/** `$0.0123` with enough decimals for small amounts. */
export function usd(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const digits = value >= 1 ? 2 : value >= 0.01 ? 4 : 6;
  return `$${value.toFixed(digits)}`;
}

/** A markdown table; `align` per column, `r` for numbers. */
export function table(
  head: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  align: ReadonlyArray<'l' | 'r'> = [],
): string {
  const rule = head.map((_, column) => ((align[column] ?? 'l') === 'r' ? '---:' : '---'));
  return [head, rule, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

// --- BENCHMARKS.md -------------------------------------------------------------------------------

/** Everything BENCHMARKS.md is made of. */
export interface BenchmarksReport {
  machine: Machine;
  /** How busy the machine was around the run. */
  load: string;
  date: Date;
  sections: ReadonlyArray<Section>;
  /** Benchmarks that failed to produce a section, with why. */
  failures: ReadonlyArray<{ command: string; why: string }>;
  /** The "Bundle sizes" section, whole (heading included). */
  bundleSizes: string;
  /** The hand-written section on the goals missed (heading included), kept from run to run. */
  missedGoals?: string;
  totalSeconds: number;
}

/** Renders BENCHMARKS.md. */
export function renderBenchmarks(report: BenchmarksReport): string {
  const { machine } = report;
  const goals = report.sections.flatMap((section) =>
    section.goals.map((goal) => [section.title, goal.goal, goal.met ? 'met' : '**missed**', goal.detail]),
  );
  const parts = [
    '# Benchmarks',
    '',
    'Measured figures, rewritten by `npm run bench` (every section below; it takes a few minutes).',
    'Benchmarks only: no test asserts a timing. Each benchmark runs in its own Node process, one after',
    'another, and talks only to 127.0.0.1; DynamoDB Local runs in memory and is stopped at the end.',
    '',
    '## Machine and run',
    '',
    table(
      ['', ''],
      [
        ['date', report.date.toISOString()],
        ['cpu', `${machine.cpu}, ${machine.cores} cores`],
        ['memory', `${num(machine.memoryGiB)} GiB (${num(machine.freeMemoryGiB)} GiB free at the start)`],
        ['node', machine.node],
        ['os', machine.os],
        ['load', report.load],
        ['whole run', `${num(report.totalSeconds, 0)} s`],
      ],
    ),
    '',
    'Commands:',
    '',
    '```sh',
    'npm run bench                # everything below, then rewrites this file',
    ...[...new Set(report.sections.map((section) => section.command))].map(
      (command) =>
        `${command.padEnd(28)} # ${report.sections
          .filter((section) => section.command === command)
          .map((section) => section.title)
          .join('; ')}`,
    ),
    'npm run size -- --markdown   # Bundle sizes',
    '```',
    '',
    '## Goals',
    '',
    goals.length === 0
      ? 'No goal was evaluated.'
      : table(['benchmark', 'goal', 'result', 'measured'], goals, ['l', 'l', 'l', 'l']),
    '',
    ...(report.missedGoals === undefined ? [] : [report.missedGoals.trim(), '']),
    ...report.failures.flatMap((failure) => [`**${failure.command} failed:** ${failure.why}`, '']),
    ...report.sections.flatMap((section) => [
      `## ${section.title}`,
      '',
      `\`${section.command}\` (${num(section.seconds, 0)} s)`,
      '',
      section.body.trim(),
      '',
    ]),
    report.bundleSizes.trim(),
    '',
  ];
  return parts.join('\n');
}

/** The heading of the hand-written section on missed goals, which `npm run bench` keeps. */
export const MISSED_GOALS_HEADING = 'Goals missed: why, and what would reach them';

/** The text of a `## <heading>` section of a markdown document (heading included), if any. */
export function extractSection(markdown: string, heading: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start === -1) return undefined;
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  return lines
    .slice(start, end === -1 ? undefined : end)
    .join('\n')
    .trim();
}

/**
 * `section` with its first markdown table replaced by `freshTable` (the prose around it is kept);
 * the table is appended when the section has none.
 */
export function replaceFirstTable(section: string, freshTable: string): string {
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.trimStart().startsWith('|'));
  if (start === -1) return `${section.trim()}\n\n${freshTable.trim()}`;
  let end = start;
  while (end < lines.length && (lines[end] ?? '').trimStart().startsWith('|')) end++;
  return [...lines.slice(0, start), ...freshTable.trim().split('\n'), ...lines.slice(end)].join('\n');
}
