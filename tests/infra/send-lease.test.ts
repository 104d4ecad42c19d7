// The send step's claim lease against the deployed send function's timeout. A sender must never
// outlive its lease: Lambda ends it at the timeout, so with the timeout below the lease a lease
// only lapses when its sender is gone (crashed or timed out), and the claim a second sender
// takes can never be raced by a first one that is still running (docs/guarantees.md, lapsed
// leases). The lease is read from where the send handler takes it, the timeout from the
// synthesised template: neither is restated here.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_LEASE_MS } from '../../functions/app/send-message.ts';
import { onlyResource, type SynthesisedNudge, synthNudge } from './support.ts';

let nudge: SynthesisedNudge;

beforeAll(() => {
  nudge = synthNudge({}, { bundle: false, validate: false });
}, 120_000);

afterAll(() => {
  if (nudge !== undefined) rmSync(nudge.outdir, { recursive: true, force: true });
});

describe('the send lease', () => {
  it("the send function's timeout stays below the lease its handler claims messages with", () => {
    const send = onlyResource(nudge.template, 'AWS::Lambda::Function', 'SendingSendFunction');
    const timeoutSeconds = send.resource.Properties?.Timeout;

    expect(typeof timeoutSeconds).toBe('number');
    expect(Number(timeoutSeconds) * 1000).toBeLessThan(SEND_LEASE_MS);
  });
});
