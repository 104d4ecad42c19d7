/**
 * Backtests run in a Node process whose old space is bounded. A backtest replays its events once
 * and keeps only customers, cap ledgers and pending messages alive (under 160 MiB over 1,000,000
 * events of the benchmark's journey), but pending messages live hours of virtual time, so they are
 * promoted before they die and V8, left to itself, lets that garbage grow resident memory past
 * 550 MiB. With a 160 MiB old space the same run peaks at ~266 MiB resident (BENCHMARKS.md,
 * "Streaming backtest").
 *
 * The heap limit can only be set when a process starts, so `nudge backtest` and
 * `nudge rules publish` re-run themselves once, same arguments, same environment, with
 * `--max-old-space-size`, unless a limit is already set (on the command line or in
 * `NODE_OPTIONS`): a user who needs a larger heap for a larger live set sets their own.
 */
import { spawn } from 'node:child_process';

/** The old-space limit (MiB) a backtest runs with unless the user sets one. */
export const BACKTEST_OLD_SPACE_MIB = 160;

/** `--max-old-space-size=…`, as V8 accepts it (dashes or underscores). */
const OLD_SPACE_FLAG = /(^|\s)--max[-_]old[-_]space[-_]size(=|\s|$)/;

/** What decides whether the process must re-run: its node flags, its arguments and NODE_OPTIONS. */
interface NodeLaunch {
  execPath: string;
  execArgv: ReadonlyArray<string>;
  argv: ReadonlyArray<string>;
  nodeOptions: string | undefined;
}

/**
 * The command (executable and arguments) that re-runs `launch` with the backtest heap limit, or
 * undefined when a limit is already set (by the user, or by an earlier re-run).
 */
function heapLimitedCommand(launch: NodeLaunch): { file: string; args: string[] } | undefined {
  if (launch.execArgv.some((arg) => OLD_SPACE_FLAG.test(arg))) return undefined;
  if (launch.nodeOptions !== undefined && OLD_SPACE_FLAG.test(launch.nodeOptions)) return undefined;
  return {
    file: launch.execPath,
    args: [`--max-old-space-size=${BACKTEST_OLD_SPACE_MIB}`, ...launch.execArgv, ...launch.argv.slice(1)],
  };
}

/**
 * Re-runs this command with the backtest heap limit (stdio shared, signals passed on) and resolves
 * to its exit code; undefined when this process already has a limit and should do the work itself.
 */
export async function reRunWithHeapLimit(command: string): Promise<number | undefined> {
  const rerun = heapLimitedCommand({
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    nodeOptions: process.env.NODE_OPTIONS,
  });
  if (rerun === undefined) return undefined;
  const child = spawn(rerun.file, rerun.args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code !== null) return resolve(code);
        // V8 aborts (SIGABRT) when the live set outgrows the limit.
        process.stderr.write(
          `${command}: the backtest stopped (${signal}); if it ran out of its ${BACKTEST_OLD_SPACE_MIB} MiB heap, give it more with NODE_OPTIONS=--max-old-space-size=<MiB>\n`,
        );
        resolve(1);
      });
    });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
