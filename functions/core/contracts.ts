import * as z from 'zod';
import { EventCustomerSchema } from './customers/event-customer.ts';
import { JourneyEventSchema } from './journey-event.ts';
import { OUTCOME_SCHEMAS } from './outcomes/outcome-events.ts';

/**
 * Every event contract Nudge reads or writes, by file name. `contracts/*.schema.json` is generated
 * from these (npm run contracts) and a test fails when the generated text differs from the
 * committed one, so a change to a contract is always a visible, reviewed change.
 */
export const CONTRACTS: Readonly<Record<string, z.ZodType>> = {
  'journey-event.v1': JourneyEventSchema.extend({
    detail: z.looseObject({
      customer: EventCustomerSchema.optional(),
      customerId: z.string().optional(),
    }),
  }),
  ...Object.fromEntries(
    Object.entries(OUTCOME_SCHEMAS).map(([name, schema]) => [`outcome.${name}.v1`, schema]),
  ),
};

/** The JSON Schema text of a contract, as committed under contracts/. */
export function contractJsonSchema(name: string, schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ $id: `https://nudge.dev/contracts/${name}.schema.json`, title: name, ...json }, null, 2)}\n`;
}
