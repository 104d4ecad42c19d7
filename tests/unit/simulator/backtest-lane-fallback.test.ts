import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileDeployedProject } from '../../../functions/handlers/compile-project.ts';
import {
  type BacktestInput,
  formatBacktestReport,
  runBacktest,
} from '../../../functions/simulator/backtest.ts';

const SPIKE = `id: spike
description: four similar cases within half an hour alert operations
on: { source: [acme.cases], detail-type: [CaseOpened] }
threshold: { count: 2, within: PT30M, key: detail.problemCode }
to: { email: ops@acme.example }
send: immediately
channels: [email]
template: spike
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(withThreshold: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-lane-fallback-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'templates', 'spike'), { recursive: true });
  writeFileSync(
    join(dir, 'rules', 'spike.yaml'),
    withThreshold
      ? SPIKE
      : SPIKE.replace(/^threshold:.*\n^to:.*\n/m, '').replace('description: four', 'description: each'),
  );
  writeFileSync(join(dir, 'templates', 'spike', 'en.email.liquid'), 'subject: Case\n--- text\nA case.\n');
  writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults: { locale: en, timeZone: Europe/Stockholm }\n');
  return compileDeployedProject(dir);
}

/** Two cases with one problem code, five minutes apart. */
async function* twoCases(): AsyncGenerator<BacktestInput> {
  for (const [i, minute] of [0, 5].entries())
    yield {
      line: i + 1,
      value: {
        version: '0',
        id: `case-${i}`,
        source: 'acme.cases',
        'detail-type': 'CaseOpened',
        time: `2026-11-24T08:0${minute}:00.000Z`,
        detail: { caseId: `C${i}`, problemCode: 'P1', customer: { id: 'c1', email: 'c1@example.se' } },
      },
    };
}

describe('backtest path', () => {
  it('replays a project with a threshold rule on the exact path, says so, and still alerts once', async () => {
    const report = await runBacktest({
      baseline: project(true),
      candidate: project(true),
      events: twoCases(),
    });
    expect(report.engine.path).toBe('exact');
    expect(report.engine.fallback).toContainEqual({
      side: 'baseline',
      ruleId: 'spike',
      reason: 'threshold alerts are replayed on the exact path',
    });
    expect(report.rules.find((rule) => rule.ruleId === 'spike')?.baseline?.sent).toBe(1);
    expect(formatBacktestReport(report)).toContain('Replayed on the exact production path (baseline spike');
  });

  it('runs on the lane when every rule is one it plans', async () => {
    const report = await runBacktest({
      baseline: project(false),
      candidate: project(false),
      events: twoCases(),
    });
    expect(report.engine).toEqual({ path: 'lane', fallback: [] });
    expect(report.rules.find((rule) => rule.ruleId === 'spike')?.baseline?.sent).toBe(2);
    expect(formatBacktestReport(report)).toContain('Replayed on the backtest lane');
  });
});
