import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, test } from 'vitest';
import {
  type CommandIo,
  diffVersions,
  rollbackRules,
  ruleHistory,
} from '../../../cli/commands/rules-versions.command.ts';
import type { StoreTarget } from '../../../cli/store-target.ts';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import type { RuleSetContent } from '../../../functions/app/ports/rule-sets.ts';
import { diffRuleSets, formatRuleSetDiff } from '../../../functions/app/rule-set-diff.ts';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { RuleSchema } from '../../../functions/core/rules/rule-schema.ts';

const AT = '2026-12-05T08:00:00.000Z';

function aRule(id: string, overrides: Record<string, unknown> = {}) {
  return RuleSchema.parse({
    id,
    description: `The ${id} rule.`,
    on: { source: ['acme.orders'], 'detail-type': ['OrderPlaced'] },
    send: 'immediately',
    channels: ['sms'],
    template: id,
    ...overrides,
  });
}

function content(rules: ReturnType<typeof aRule>[], templates: Record<string, string>): RuleSetContent {
  return { settings: EngineSettingsSchema.parse({}), rules, templates };
}

function capture(answer = false): CommandIo & { text: () => string } {
  const lines: string[] = [];
  return {
    out: (text) => lines.push(text),
    err: (text) => lines.push(text),
    confirm: async () => answer,
    text: () => lines.join(''),
  };
}

function memoryTarget(): StoreTarget {
  return {
    stores: createMemoryStores(),
    client: new DynamoDBClient({ region: 'eu-north-1' }),
    tableName: 'memory',
    where: 'memory',
    close: async () => undefined,
  };
}

const by = (expectedVersion: number | undefined, message = '') => ({
  expectedVersion,
  at: AT,
  by: 'ann',
  message,
});

describe('rule-set diff', () => {
  test('names rules added, removed and changed (with the changed fields) and diffs template lines', () => {
    const before = content([aRule('keep'), aRule('gone')], {
      'keep/en.sms.liquid': 'Hello\nThanks for {{ x }}\nBye',
    });
    const after = content([aRule('keep', { urgent: true, channels: ['sms', 'email'] }), aRule('new')], {
      'keep/en.sms.liquid': 'Hello\nWe got {{ x }}\nBye',
    });

    const text = formatRuleSetDiff(diffRuleSets(before, after));

    expect(text).toBe(
      [
        'Rules: 1 added, 1 removed, 1 changed',
        '  + new',
        '  - gone',
        '  ~ keep: channels, urgent',
        'Templates: 1 changed',
        '  ~ keep/en.sms.liquid',
        '      Hello',
        '    - Thanks for {{ x }}',
        '    + We got {{ x }}',
        '      Bye',
        '',
      ].join('\n'),
    );
  });

  test('equal versions: no changes', () => {
    const same = content([aRule('keep')], { 'keep/en.sms.liquid': 'Hi' });

    expect(formatRuleSetDiff(diffRuleSets(same, same))).toBe('No changes.\n');
  });
});

describe('nudge rules history, diff and rollback', () => {
  test('rollback goes to the previous version by default, is recorded with who and why, and shows in history', async () => {
    const target = memoryTarget();
    const ruleSets = target.stores.ruleSets;
    await ruleSets.publish(content([aRule('alpha')], { 'a/en.sms.liquid': 'one' }), by(undefined, 'first'));
    await ruleSets.publish(content([aRule('alpha')], { 'a/en.sms.liquid': 'two' }), by(1, 'second'));
    const io = capture();

    expect(await rollbackRules(undefined, { yes: true, as: 'bo', message: 'too long' }, target, io)).toBe(0);
    const history = capture();
    await ruleHistory(ruleSets, 10, history);

    expect((await ruleSets.active())?.version).toBe(1);
    expect(io.text()).toContain('- two');
    expect(history.text().split('\n')[0]).toMatch(/^#3 \S+ rollback 2 → 1 by bo: too long$/);
  });

  test('a rollback to a version that does not exist is refused and changes nothing; without --yes a "no" changes nothing', async () => {
    const target = memoryTarget();
    const ruleSets = target.stores.ruleSets;
    await ruleSets.publish(content([aRule('alpha')], {}), by(undefined));
    await ruleSets.publish(content([aRule('beta')], {}), by(1));
    const missing = capture();
    const declined = capture(false);

    expect(await rollbackRules(9, { yes: true }, target, missing)).toBe(1);
    expect(await rollbackRules(1, {}, target, declined)).toBe(1);

    expect(missing.text()).toContain('Rule-set version 9 does not exist; nothing was changed.');
    expect(declined.text()).toContain('Not rolled back.');
    expect((await ruleSets.active())?.version).toBe(2);
    expect(await ruleSets.history()).toHaveLength(2);
  });

  test('diff A B prints the changes between two versions; a missing one is named', async () => {
    const target = memoryTarget();
    const ruleSets = target.stores.ruleSets;
    await ruleSets.publish(content([aRule('alpha')], {}), by(undefined));
    await ruleSets.publish(content([aRule('alpha'), aRule('beta')], {}), by(1));
    const io = capture();
    const missing = capture();

    expect(await diffVersions(ruleSets, 1, 2, io)).toBe(0);
    expect(await diffVersions(ruleSets, 1, 5, missing)).toBe(1);

    expect(io.text()).toContain(
      'From version 1 to version 2:\nRules: 1 added, 0 removed, 0 changed\n  + beta',
    );
    expect(missing.text()).toContain('Rule-set version(s) 5 do not exist.');
  });
});
