/**
 * `nudge rules publish | history | diff | rollback`: rule-set versions in the journey table
 * (docs/rules.md, "Publishing rules without a deploy"). Every command works on the table
 * {@link openStoreTarget} opens: `--table` in AWS, else the local runtime's.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { readRuleSetFiles } from '../../functions/adapters/files/rule-set-files.ts';
import { type RuleSetContent, RuleSetError, type RuleSetStore } from '../../functions/app/ports/rule-sets.ts';
import { diffRuleSets, formatRuleSetDiff, isEmptyDiff } from '../../functions/app/rule-set-diff.ts';
import { formatRuleIssue } from '../../functions/core/rules/parse-rule-files.ts';
import { briefGateSummary } from '../../functions/simulator/publish-gate.ts';
import { reRunWithHeapLimit } from '../backtest-heap.ts';
import { publishGateReport } from '../publish-gate.ts';
import {
  openStoreTarget,
  type StoreTarget,
  type StoreTargetOptions,
  storeTargetOptions,
} from '../store-target.ts';

/** Where a command writes and how it asks; the terminal's by default, a test's in tests. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** y/N: true only for yes. */
  confirm(question: string): Promise<boolean>;
}

/** Options of `nudge rules publish`. */
export interface PublishOptions {
  rules: string;
  templates: string;
  config?: string;
  message?: string;
  yes?: boolean;
  as?: string;
  /** Backtest these journey events (JSON Lines) instead of the archive. */
  events?: string;
  /** Backtest the archive's last N days (default 7). */
  days?: number;
  /** The price table of the cost preview (default: ./pricing/sms-prices.yaml, else the shipped one). */
  prices?: string;
  /** End of the archive window (default: the wall clock; tests pass the local runtime's clock). */
  now?: Date;
  /** Set when the target is a deployed table (who is then the AWS identity, when it can be read). */
  table?: string;
}

/**
 * Validates the files as `nudge rules validate` does, shows the gate's report against the active
 * version, asks (unless `yes`), and publishes with the active version as the expected one.
 * Returns the exit code: 0 published or nothing to publish, 1 refused or failed.
 */
export async function publishRules(
  options: PublishOptions,
  target: StoreTarget,
  io: CommandIo,
): Promise<number> {
  const files = readRuleSetFiles({
    rules: options.rules,
    templates: options.templates,
    config: options.config,
  });
  for (const warning of files.warnings) io.err(`${formatRuleIssue(warning)} (warning)\n`);
  if (!files.ok) {
    for (const issue of files.issues) io.err(`${formatRuleIssue(issue)}\n`);
    io.err(`\n${files.issues.length} problem(s) found; nothing was published.\n`);
    return 1;
  }
  const ruleSets = target.stores.ruleSets;
  const active = await ruleSets.active();
  const activeContent =
    active === undefined ? undefined : (await ruleSets.getVersion(active.version))?.content;
  io.out(`Publishing to ${target.where}; active version: ${active?.version ?? 'none'}.\n`);
  if (activeContent !== undefined && isEmptyDiff(diffRuleSets(activeContent, files.content))) {
    io.out(`Identical to the active version ${active?.version}; nothing published.\n`);
    return 0;
  }
  const gate = await runGate(options, target, io, {
    active: activeContent ?? { settings: files.content.settings, rules: [], templates: {} },
    candidate: files.content,
  });
  if (gate === undefined) return 1;
  io.out(gate.text);
  if (!options.yes && !(await io.confirm('Publish this as a new version?'))) {
    io.out('Not published.\n');
    return 1;
  }
  const who = whoActs(options);
  if (who.note !== undefined) io.err(`${who.note}\n`);
  return run(io, async () => {
    const move = await ruleSets.publish(files.content, {
      expectedVersion: active?.version,
      at: new Date().toISOString(),
      by: who.by,
      message: options.message ?? '',
      backtest: gate.report.summary,
    });
    io.out(
      `Published version ${move.to} (was ${move.from ?? 'none'}); functions pick it up within a minute.\n`,
    );
  });
}

/** Runs the publish gate; a usage or input problem is a message and undefined (nothing published). */
async function runGate(
  options: PublishOptions,
  target: StoreTarget,
  io: CommandIo,
  sides: { active: RuleSetContent; candidate: RuleSetContent },
): Promise<Awaited<ReturnType<typeof publishGateReport>> | undefined> {
  if (options.events !== undefined && options.days !== undefined) {
    io.err('Give --events <file> or --days <n>, not both; nothing was published.\n');
    return undefined;
  }
  try {
    return await publishGateReport({
      ...sides,
      ...(options.events === undefined ? {} : { eventsFile: options.events }),
      ...(options.days === undefined ? {} : { days: options.days }),
      ...(options.prices === undefined ? {} : { prices: options.prices }),
      ...(options.now === undefined ? {} : { now: options.now }),
      target,
      onProgress: (_done, at) => io.err(`${at.line}\n`),
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}; nothing was published.\n`);
    return undefined;
  }
}

/** `nudge rules rollback [version]`: the previous active version by default. */
export async function rollbackRules(
  version: number | undefined,
  options: { message?: string; yes?: boolean; as?: string; table?: string },
  target: StoreTarget,
  io: CommandIo,
): Promise<number> {
  const ruleSets = target.stores.ruleSets;
  const active = await ruleSets.active();
  if (active === undefined) {
    io.err('No rule-set version is active yet; nothing to roll back.\n');
    return 1;
  }
  const to = version ?? active.lastMove.from;
  if (to === undefined) {
    io.err(`Version ${active.version} is the first active version; give the version to roll back to.\n`);
    return 1;
  }
  const [from, into] = await Promise.all([ruleSets.getVersion(active.version), ruleSets.getVersion(to)]);
  if (into === undefined) {
    io.err(`Rule-set version ${to} does not exist; nothing was changed.\n`);
    return 1;
  }
  io.out(`Rolling back ${target.where} from version ${active.version} to ${to}:\n`);
  if (from !== undefined) io.out(formatRuleSetDiff(diffRuleSets(from.content, into.content)));
  if (!options.yes && !(await io.confirm(`Make version ${to} active?`))) {
    io.out('Not rolled back.\n');
    return 1;
  }
  const who = whoActs(options);
  if (who.note !== undefined) io.err(`${who.note}\n`);
  return run(io, async () => {
    await ruleSets.rollback(to, {
      expectedVersion: active.version,
      at: new Date().toISOString(),
      by: who.by,
      message: options.message ?? '',
    });
    io.out(`Version ${to} is active (was ${active.version}).\n`);
  });
}

/** `nudge rules history`: the pointer's moves, newest first. */
export async function ruleHistory(ruleSets: RuleSetStore, limit: number, io: CommandIo): Promise<number> {
  const moves = await ruleSets.history(limit);
  if (moves.length === 0) io.out('No rule-set version was ever published.\n');
  for (const move of moves) {
    const backtest = move.backtest === undefined ? '' : `\n    backtest: ${briefGateSummary(move.backtest)}`;
    io.out(
      `#${move.seq} ${move.at} ${move.action} ${move.from ?? '-'} → ${move.to} by ${move.by}${move.message === '' ? '' : `: ${move.message}`}${backtest}\n`,
    );
  }
  return 0;
}

/** `nudge rules diff A B`. */
export async function diffVersions(
  ruleSets: RuleSetStore,
  a: number,
  b: number,
  io: CommandIo,
): Promise<number> {
  const [first, second] = await Promise.all([ruleSets.getVersion(a), ruleSets.getVersion(b)]);
  const missing = [first === undefined ? a : undefined, second === undefined ? b : undefined].filter(
    (version) => version !== undefined,
  );
  if (first === undefined || second === undefined) {
    io.err(`Rule-set version(s) ${missing.join(', ')} do not exist.\n`);
    return 1;
  }
  io.out(
    `From version ${a} to version ${b}:\n${formatRuleSetDiff(diffRuleSets(first.content, second.content))}`,
  );
  return 0;
}

/**
 * Who publishes: `--as`, else $USER. With `--table` the AWS caller identity would be better, but
 * @aws-sdk/client-sts is not a dependency: say so rather than pretend.
 */
function whoActs(options: { as?: string; table?: string }): { by: string; note?: string } {
  if (options.as !== undefined && options.as.trim() !== '') return { by: options.as.trim() };
  const user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  return options.table === undefined
    ? { by: user }
    : {
        by: user,
        note: `Recorded as '${user}' ($USER): @aws-sdk/client-sts is not installed, so the AWS caller identity is not read; pass --as <name> to name yourself.`,
      };
}

/** Runs a move; a conflict or a missing version is a clear message and exit code 1. */
async function run(io: CommandIo, move: () => Promise<void>): Promise<number> {
  try {
    await move();
    return 0;
  } catch (error) {
    if (!(error instanceof RuleSetError)) throw error;
    io.err(`${error.message}\n`);
    return 1;
  }
}

/** The terminal: stdout, stderr, and a y/N prompt that refuses when stdin is not a terminal. */
const terminal: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  async confirm(question) {
    if (!process.stdin.isTTY) {
      process.stderr.write('Not a terminal: pass --yes to publish without a prompt (CI).\n');
      return false;
    }
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
    } finally {
      prompt.close();
    }
  },
};

/** Opens the target, runs, closes, and sets the exit code. */
async function withTarget(options: StoreTargetOptions, act: (target: StoreTarget) => Promise<number>) {
  const target = await openStoreTarget(options);
  try {
    process.exitCode = await act(target);
  } finally {
    await target.close();
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a version number: '${value}'`);
  return n;
}

/** Adds publish, history, diff and rollback to the `rules` command group. */
export function registerRuleVersions(rules: Command): void {
  storeTargetOptions(
    rules
      .command('publish')
      .description(
        'Validate the rules and templates, show the changes against the active version, and publish them as a new version (live within a minute, no deploy)',
      )
      .argument('[dir]', 'rules folder', 'rules')
      .option('--templates <dir>', 'templates folder', 'templates')
      .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)')
      .option('--message <text>', 'why (kept in the history)')
      .option('--yes', 'publish without asking (CI)')
      .option('--as <name>', 'who publishes (default: $USER)')
      .option('--events <file.jsonl>', 'backtest these journey events (JSON Lines) instead of the archive')
      .option('--days <n>', 'backtest the last N days of archived events (default 7)', positiveInt)
      .option('--prices <file>', 'price table of the cost preview (default: pricing/sms-prices.yaml)'),
  ).action(async (dir: string, options: Omit<PublishOptions, 'rules'> & StoreTargetOptions) => {
    // The publish gate backtests: run it with the backtest heap limit (cli/backtest-heap.ts).
    const code = await reRunWithHeapLimit('nudge rules publish');
    if (code !== undefined) {
      process.exitCode = code;
      return;
    }
    await withTarget(options, (target) =>
      publishRules(
        { ...options, rules: resolve(dir), templates: resolve(options.templates) },
        target,
        terminal,
      ),
    );
  });
  storeTargetOptions(
    rules
      .command('history')
      .description('Every publish and rollback, newest first: who, when, why, from → to')
      .option('--limit <n>', 'at most this many', positiveInt, 20),
  ).action(async (options: { limit: number } & StoreTargetOptions) => {
    await withTarget(options, (target) => ruleHistory(target.stores.ruleSets, options.limit, terminal));
  });
  storeTargetOptions(
    rules
      .command('diff')
      .description('What changes from version A to version B')
      .argument('<a>', 'version', positiveInt)
      .argument('<b>', 'version', positiveInt),
  ).action(async (a: number, b: number, options: StoreTargetOptions) => {
    await withTarget(options, (target) => diffVersions(target.stores.ruleSets, a, b, terminal));
  });
  storeTargetOptions(
    rules
      .command('rollback')
      .description('Make an earlier version active again (default: the previous one)')
      .argument('[version]', 'version', positiveInt)
      .option('--message <text>', 'why (kept in the history)')
      .option('--yes', 'roll back without asking (CI)')
      .option('--as <name>', 'who rolls back (default: $USER)'),
  ).action(
    async (
      version: number | undefined,
      options: { message?: string; yes?: boolean; as?: string } & StoreTargetOptions,
    ) => {
      await withTarget(options, (target) => rollbackRules(version, options, target, terminal));
    },
  );
}
