import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { signalProcessGroup } from './process-group.ts';

/*
 * Runs in /bin/sh, detached from us. `read` blocks on a pipe whose only writer is this Node
 * process; the kernel closes it however the process ends (crash, OOM kill, SIGKILL), and then the
 * watchdog kills the group: SIGTERM, up to 5 s, SIGKILL. INT and HUP are ignored so a Ctrl-C or a
 * closed terminal cannot end the watchdog before it has done its one job. `kill -SIG -PGID`
 * (no `--`) is the spelling dash, bash and zsh all accept. On Linux a leader that died but was not
 * reaped yet (a zombie, until init gets to it) still answers `kill -0`; /proc tells it apart so the
 * watchdog does not linger for the full 5 s.
 */
const SCRIPT = [
  "trap '' INT HUP",
  'read -r _',
  'kill -TERM -"$1" 2>/dev/null || exit 0',
  'i=0',
  'while [ "$i" -lt 50 ] && kill -0 -"$1" 2>/dev/null; do',
  '  if [ -r "/proc/$1/stat" ] && read -r s < "/proc/$1/stat"; then case "$s" in *") Z "*) exit 0 ;; esac; fi',
  '  sleep 0.1',
  '  i=$((i + 1))',
  'done',
  'kill -KILL -"$1" 2>/dev/null',
  'exit 0',
].join('\n');

/** A watchdog started by {@link startOrphanWatchdog}. */
export interface OrphanWatchdog {
  /** Pid of the watchdog shell (it leads its own process group). */
  readonly pid: number | undefined;
  /** Ends the watchdog without it touching the group; call once the group is stopped. */
  disarm(): void;
}

/**
 * Starts a tiny shell that kills process group `pgid` if this Node process dies without doing it.
 *
 * The exit and signal hooks cannot run when Node is killed with SIGKILL or by the OOM killer, and
 * a detached java then serves on its port forever (and keeps the next run from binding it). Costs
 * one idle `sh` (~1 MB) per DynamoDB Local.
 */
export function startOrphanWatchdog(pgid: number): OrphanWatchdog {
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'nudge-dynamodb-watchdog', String(pgid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // A missing /bin/sh only loses this extra safety net; the exit and signal hooks still apply.
  child.on('error', () => {});
  child.unref();
  if (child.stdin instanceof Socket) child.stdin.unref();
  let armed = true;
  return {
    pid: child.pid,
    disarm(): void {
      if (!armed) return;
      armed = false;
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        signalProcessGroup(child.pid, 'SIGKILL');
      }
      child.stdin?.destroy();
    },
  };
}
