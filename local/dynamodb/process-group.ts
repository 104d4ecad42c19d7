import { readFileSync } from 'node:fs';

/**
 * Sends `signal` to every process of the group led by `pgid` (a child spawned `detached: true`).
 * Returns false when the group is already gone.
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    // A negative pid addresses the whole process group, so nothing the JVM forks is left behind.
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isErrno(error, 'ESRCH')) return false;
    throw error;
  }
}

/**
 * Whether any process of the group led by `pgid` still runs.
 *
 * A leader that exited but was not yet reaped (a zombie: its parent's event loop has not run, as
 * in an `exit` handler) still answers signal 0, so on Linux it is looked up in /proc and counted
 * as gone. DynamoDB Local forks nothing, so the leader stands for the group.
 */
export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if (isErrno(error, 'ESRCH')) return false;
    // EPERM: it exists but belongs to someone else; that cannot be ours any more.
    if (isErrno(error, 'EPERM')) return false;
    throw error;
  }
  return !isZombie(pgid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat is "pid (comm) S ..."; comm may hold spaces or parentheses, so cut at the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Blocks the thread for `ms` milliseconds; only for `exit` handlers, where nothing async runs. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Kills the given process groups synchronously: SIGTERM, up to `graceMs` for them to go, then
 * SIGKILL for the ones that stayed. Safe to call from a process `exit` handler.
 */
function killProcessGroupsSync(pgids: Iterable<number>, graceMs: number): void {
  const pending = new Set<number>();
  for (const pgid of pgids) if (signalProcessGroup(pgid, 'SIGTERM')) pending.add(pgid);
  const deadline = Date.now() + graceMs;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const pgid of pending) if (!isProcessGroupAlive(pgid)) pending.delete(pgid);
    if (pending.size > 0) sleepSync(25);
  }
  for (const pgid of pending) signalProcessGroup(pgid, 'SIGKILL');
}

const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Process groups this process started and has not stopped yet, killed if the process ends first.
 *
 * The children are detached (their own process group), so a Ctrl-C in the terminal, which goes to
 * the foreground group only, never reaches them, and they outlive a crashed parent. Hooks are
 * installed while at least one group is tracked and removed with the last one, so a process that
 * stopped everything is left with its original signal behaviour.
 */
export class ProcessGroupRegistry {
  readonly #groups = new Set<number>();
  readonly #graceMs: number;
  #installed = false;

  /** @param graceMs how long the synchronous cleanup waits after SIGTERM before SIGKILL. */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Process groups still tracked. */
  get size(): number {
    return this.#groups.size;
  }

  /** Tracks `pgid` until {@link untrack}; installs the exit and signal hooks on the first one. */
  track(pgid: number): void {
    this.#groups.add(pgid);
    if (!this.#installed) {
      process.on('exit', this.#onExit);
      for (const signal of CLEANUP_SIGNALS) process.on(signal, this.#onSignal);
      this.#installed = true;
    }
  }

  /** Stops tracking `pgid`; removes the hooks with the last one. */
  untrack(pgid: number): void {
    this.#groups.delete(pgid);
    if (this.#groups.size === 0) this.#uninstall();
  }

  #uninstall(): void {
    if (!this.#installed) return;
    process.off('exit', this.#onExit);
    for (const signal of CLEANUP_SIGNALS) process.off(signal, this.#onSignal);
    this.#installed = false;
  }

  #killAll(): void {
    const groups = [...this.#groups];
    this.#groups.clear();
    this.#uninstall();
    killProcessGroupsSync(groups, this.#graceMs);
  }

  readonly #onExit = (): void => {
    this.#killAll();
  };

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.#killAll();
    // Listening to a signal replaces Node's default "terminate". If nobody else handles it (the
    // local runtime may, for a graceful shutdown), raise it again so the process still ends the
    // way the user asked, with the conventional 128+n status.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
