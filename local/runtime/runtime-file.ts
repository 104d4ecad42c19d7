import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a running `nudge start` says how to reach it, so CLI commands can use its table. */
const RUNTIME_FILE = 'runtime.json';

/** What a running local runtime publishes about itself in its data directory. */
export interface RuntimeFile {
  pid: number;
  dynamodbEndpoint: string;
  tableName: string;
  consoleUrl: string;
  eventsUrl: string;
}

/** Writes `<dataDir>/runtime.json` and returns its removal (for the runtime's stops). */
export function writeRuntimeFile(dataDir: string, content: RuntimeFile): () => Promise<void> {
  const file = join(dataDir, RUNTIME_FILE);
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  return async () => rmSync(file, { force: true });
}

/**
 * The runtime file of `dataDir` when the runtime that wrote it is still alive; undefined when
 * there is none, it is not readable, or its process is gone (a crash left it behind).
 */
export function readRuntimeFile(dataDir: string): RuntimeFile | undefined {
  const file = join(dataDir, RUNTIME_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const content = parsed as Partial<RuntimeFile>;
  if (typeof content.pid !== 'number' || typeof content.dynamodbEndpoint !== 'string') return undefined;
  if (typeof content.tableName !== 'string') return undefined;
  return isAlive(content.pid) ? (content as RuntimeFile) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}
