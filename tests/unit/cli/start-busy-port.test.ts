// `nudge start` on a port another program holds: one line naming the option that moves it, no
// stack trace, a non-zero exit, and nothing left running (the process ends by itself).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let holder: Server;
let busyPort = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'nudge-busy-'));

beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  busyPort = address.port;
});

afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(...ports: string[]): Promise<{ stderr: string; code: number }> {
  const args = ['bin/nudge.js', 'start', ...ports, '--dynamodb', 'dynalite', '--no-demo', '--no-watch'];
  try {
    await run('node', [...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
      // The AWS SDK's once-per-process Node 22 notice is not what this test reads.
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    return { stderr: '', code: 0 };
  } catch (error) {
    const failed = error as { stderr: string; code: number | null; killed: boolean };
    if (failed.killed) throw new Error('nudge start kept running after the port error');
    return { stderr: failed.stderr, code: failed.code ?? -1 };
  }
}

describe('nudge start on a busy port', () => {
  it.each([
    ['--port', ['--port', 'BUSY', '--events-port', '0']],
    ['--events-port', ['--port', '0', '--events-port', 'BUSY']],
  ])('names %s in one line, without a stack trace', async (option, ports) => {
    const result = await start(...ports.map((arg) => (arg === 'BUSY' ? String(busyPort) : arg)));
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`port ${busyPort} is already in use`);
    expect(lines[0]).toContain(`${option} <port>`);
  });
});
