// Reserved concurrency: a flood on the public Function URL may use the webhook's own reserved
// executions and no more, so it can never starve evaluate, send or the account's other functions
// (and send keeps its own executions for the backlog). Template-only synthesis (no bundling).

import { rmSync } from 'node:fs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../infra/settings.ts';
import { onlyResource, type SynthesisedNudge, synthNudge } from './support.ts';

let defaults: SynthesisedNudge;
let custom: SynthesisedNudge;

beforeAll(() => {
  defaults = synthNudge({}, { bundle: false, validate: false });
  // As `cdk -c key=value` passes them: strings.
  custom = synthNudge(
    { webhookReservedConcurrency: '40', sendReservedConcurrency: '12', sendConcurrency: '8' },
    { bundle: false, validate: false },
  );
}, 60_000);

afterAll(() => {
  for (const synthesised of [defaults, custom]) {
    if (synthesised !== undefined) rmSync(synthesised.outdir, { recursive: true, force: true });
  }
});

function reservedOf(nudge: SynthesisedNudge, prefix: string): unknown {
  return onlyResource(nudge.template, 'AWS::Lambda::Function', prefix).resource.Properties
    ?.ReservedConcurrentExecutions;
}

describe('reserved concurrency', () => {
  it('reserves executions for the webhook and send functions by default, and none for evaluate', () => {
    expect(reservedOf(defaults, 'WebhooksWebhookFunction')).toBe(20);
    expect(reservedOf(defaults, 'SendingSendFunction')).toBe(20);
    expect(reservedOf(defaults, 'IngestEvaluateFunction')).toBeUndefined();
  });

  it('keeps the send queue’s maximum concurrency within the send function’s reservation', () => {
    for (const nudge of [defaults, custom]) {
      const mapping = Object.values(nudge.template.findResources('AWS::Lambda::EventSourceMapping')).find(
        (resource) => JSON.stringify(resource.Properties?.FunctionName).includes('SendingSendFunction'),
      );
      const maximum = Number(mapping?.Properties?.ScalingConfig?.MaximumConcurrency);
      expect(maximum).toBeGreaterThan(0);
      expect(maximum).toBeLessThanOrEqual(Number(reservedOf(nudge, 'SendingSendFunction')));
    }
  });

  it('takes both from the stack settings', () => {
    expect(reservedOf(custom, 'WebhooksWebhookFunction')).toBe(40);
    expect(reservedOf(custom, 'SendingSendFunction')).toBe(12);
  });

  it('refuses a send reservation below the send concurrency, and values out of range, naming the key', () => {
    expect(() => parseSettings({ sendConcurrency: 10, sendReservedConcurrency: 5 })).toThrow(
      /sendReservedConcurrency: .*at least sendConcurrency \(10\)/,
    );
    expect(() => parseSettings({ webhookReservedConcurrency: 0 })).toThrow(/webhookReservedConcurrency: /);
    expect(() => parseSettings({ webhookReservedConcurrency: 'many' })).toThrow(
      /webhookReservedConcurrency: /,
    );
  });

  it('follows a raised sendConcurrency when the send reservation is not set', () => {
    expect(parseSettings({ sendConcurrency: 25 }).sendReservedConcurrency).toBe(25);
  });

  it('is cdk-nag clean', () => {
    expect(new AwsSolutionsChecks().validateScope(custom.stack).violations).toEqual([]);
  });
});
