/**
 * What both end-to-end benchmarks (closed-loop levels in e2e.bench.ts, open loop in
 * e2e-open.bench.ts) share: the bench project, CPU readings from /proc, and when the Twilio sandbox
 * accepted each message.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalRuntime } from '../local/runtime/local-runtime.ts';

const REPO = join(import.meta.dirname, '..');
/** Longest wait for a level's last messages to reach the sandbox after producers stop. */
const DRAIN_TIMEOUT_MS = 120_000;

/** A project with just the two rules the benchmarks drive, so every event makes one message. */
export function benchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-bench-e2e-'));
  for (const rule of ['callback-booked', 'renewal-reminder']) {
    cpSync(join(REPO, 'rules', `${rule}.yaml`), join(dir, 'rules', `${rule}.yaml`));
    cpSync(join(REPO, 'templates', rule), join(dir, 'templates', rule), { recursive: true });
  }
  cpSync(join(REPO, 'nudge.config.yaml'), join(dir, 'nudge.config.yaml'));
  return dir;
}

/** Cumulative CPU seconds of a process from /proc (utime + stime, at the usual 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    // user nice system idle iowait irq softirq steal …: idle and iowait are the free time.
    const free = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - free, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** The message id a sandbox SMS was sent for, from its status-callback URL. */
function messageIdOfSms(statusCallback: string | null): string | undefined {
  if (statusCallback === null) return undefined;
  return new URL(statusCallback).searchParams.get('messageId') ?? undefined;
}

/**
 * When the sandbox accepted each SMS, by message id, in epoch ms. The sandbox stamps the runtime's
 * virtual clock, which at speed 1 runs `offsetMs` ahead of (or behind) epoch ms.
 */
export function acceptedAt(runtime: LocalRuntime, offsetMs = 0): Map<string, number> {
  const accepted = new Map<string, number>();
  for (const sms of runtime.twilio.messages()) {
    const id = messageIdOfSms(sms.statusCallback);
    if (id !== undefined) accepted.set(id, sms.dateCreated.getTime() - offsetMs);
  }
  return accepted;
}

/** Waits until the sandbox accepted every message in `ids` and everything settled, or times out. */
export async function drain(
  runtime: LocalRuntime,
  ids: ReadonlyArray<string>,
  timeoutMs = DRAIN_TIMEOUT_MS,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await runtime.settle();
    const accepted = acceptedAt(runtime);
    const missing = ids.filter((id) => !accepted.has(id)).length;
    if (missing === 0 || Date.now() > deadline) return missing;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
