import { DateTime } from 'luxon';
import { describe, expect, test } from 'vitest';
import { MemoryRuleSets } from '../../../functions/adapters/memory/memory-rule-sets.ts';
import { createActiveProject } from '../../../functions/app/active-project.ts';
import type { RuleSetContent } from '../../../functions/app/ports/rule-sets.ts';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';

const START = DateTime.fromISO('2026-12-05T08:00:00Z', { zone: 'utc' });

function content(text: string): RuleSetContent {
  return {
    settings: EngineSettingsSchema.parse({}),
    rules: [],
    templates: { 'greeting/sv.sms.liquid': text },
  };
}

/** A clock the test moves, and a store that counts pointer reads and version loads. */
function setup(options: { seed?: string } = {}) {
  let now = START;
  const store = new MemoryRuleSets();
  const calls = { active: 0, getVersion: 0, compile: 0 };
  const stale: string[] = [];
  const counted = {
    active: () => {
      calls.active++;
      return store.active();
    },
    getVersion: (version: number) => {
      calls.getVersion++;
      return store.getVersion(version);
    },
    seed: store.seed.bind(store),
  };
  const active = createActiveProject({
    ruleSets: counted,
    clock: { now: () => now },
    cacheMs: 30_000,
    compile: (stored, version) => {
      calls.compile++;
      if (stored.templates['greeting/sv.sms.liquid'] === 'BROKEN') throw new Error('template does not parse');
      return { text: stored.templates['greeting/sv.sms.liquid'], version };
    },
    ...(options.seed === undefined ? {} : { seed: { content: content(options.seed), by: 'deploy' } }),
    onStale: (error: unknown, version: number) => stale.push(`${version}: ${String(error)}`),
  });
  return { store, active, calls, stale, advance: (ms: number) => (now = now.plus({ milliseconds: ms })) };
}

const by = (expectedVersion: number | undefined) => ({
  expectedVersion,
  at: START.toISO() ?? '',
  by: 'ann',
  message: 'm',
});

describe('ActiveProject: the active rule-set version through a short cache', () => {
  test('a fresh table is seeded with the bundled project as version 1', async () => {
    const { store, active } = setup({ seed: 'bundled' });

    const first = await active.current();

    expect(first).toEqual({ version: 1, project: { text: 'bundled', version: 1 } });
    expect((await store.history())[0]).toMatchObject({ action: 'seed', to: 1 });
  });

  test('within the cache period no pointer is read; a publish is picked up once the period is over', async () => {
    const { store, active, calls, advance } = setup({ seed: 'old text' });
    await active.current();
    await store.publish(content('new text'), by(1));

    advance(29_999);
    const during = await Promise.all([active.current(), active.current(), active.current()]);
    const readsDuring = calls.active;
    advance(1);
    const after = await active.current();

    expect(during.map((v) => v.project.text)).toEqual(['old text', 'old text', 'old text']);
    expect(readsDuring).toBe(1);
    expect(after).toEqual({ version: 2, project: { text: 'new text', version: 2 } });
    expect(calls.active).toBe(2);
  });

  test('each version is compiled once: a rollback to a version seen before loads and compiles nothing', async () => {
    const { store, active, calls, advance } = setup({ seed: 'one' });
    await active.current();
    await store.publish(content('two'), by(1));
    advance(30_000);
    await active.current();
    await store.rollback(1, by(2));
    advance(30_000);

    const back = await active.current();

    expect(back.project.text).toBe('one');
    expect(calls.compile).toBe(2);
    expect(calls.getVersion).toBe(2);
  });

  test('a version that does not compile never replaces the running one; the failure is told', async () => {
    const { store, active, stale, advance } = setup({ seed: 'good' });
    await active.current();
    await store.publish(content('BROKEN'), by(1));
    advance(30_000);

    const still = await active.current();

    expect(still).toEqual({ version: 1, project: { text: 'good', version: 1 } });
    expect(stale).toEqual(['1: Error: template does not parse']);
  });

  test('refresh reads the pointer at once, whatever the cache says', async () => {
    const { store, active } = setup({ seed: 'one' });
    await active.current();
    await store.publish(content('two'), by(1));

    expect((await active.refresh()).project.text).toBe('two');
  });

  test('without a seed and without a pointer it says what to do', async () => {
    const { active } = setup();

    await expect(active.current()).rejects.toThrow(/no rule-set version is active: publish one/);
  });
});
