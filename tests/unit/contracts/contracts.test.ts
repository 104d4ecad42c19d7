import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACTS, contractJsonSchema } from '../../../functions/core/contracts.ts';

describe('versioned event contracts', () => {
  for (const [name, schema] of Object.entries(CONTRACTS)) {
    it(`${name}: the committed JSON Schema is what the code accepts or emits (run npm run contracts after a deliberate change)`, () => {
      expect(readFileSync(`contracts/${name}.schema.json`, 'utf8')).toBe(contractJsonSchema(name, schema));
    });

    it(`${name}: the committed sample is valid`, () => {
      const sample: unknown = JSON.parse(readFileSync(`contracts/samples/${name}.json`, 'utf8'));
      expect(schema.safeParse(sample).error?.issues ?? []).toEqual([]);
    });
  }

  it('has a sample for every contract and no stray sample', () => {
    const samples = readdirSync('contracts/samples').map((file) => file.replace(/\.json$/, ''));
    expect(samples.sort()).toEqual(Object.keys(CONTRACTS).sort());
  });

  it('a breaking change is caught: a sample missing a required field fails its contract', () => {
    const sample = JSON.parse(readFileSync('contracts/samples/outcome.MessageSent.v1.json', 'utf8'));
    delete sample.providerId;
    expect(CONTRACTS['outcome.MessageSent.v1']?.safeParse(sample).success).toBe(false);
  });

  it('every well-formed line of the example journeys meets the journey-event contract', () => {
    const contract = CONTRACTS['journey-event.v1'];
    let checked = 0;
    for (const file of readdirSync('examples/events')) {
      for (const line of readFileSync(`examples/events/${file}`, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          continue; // the deliberately broken demo line
        }
        if (typeof event === 'object' && event !== null && 'id' in event && String(event.id).endsWith('-bad'))
          continue;
        expect(contract?.safeParse(event).success, `${file}: ${line.slice(0, 80)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
