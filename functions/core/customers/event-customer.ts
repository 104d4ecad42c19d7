import * as z from 'zod';
import { isValidTimeZone } from '../time-zones.ts';

// Apart from customer-profile.ts: only the functions that read journey events (evaluate, the
// console's preview, the CLI) check `detail.customer`; send and webhook use the profile helpers
// and build no event schema at cold start.

/** `detail.customer` as publishers send it. Only `id` is required. */
export const EventCustomerSchema = z.looseObject({
  id: z.string().min(1).max(200),
  phone: z.string().max(64).optional(),
  email: z.string().max(320).optional(),
  locale: z.string().max(35).optional(),
  timeZone: z
    .string()
    .max(64)
    .refine((zone) => isValidTimeZone(zone), {
      message: 'not an IANA time zone such as Europe/Stockholm',
    })
    .optional(),
  firstName: z.string().max(200).optional(),
  name: z.string().max(400).optional(),
  consent: z.strictObject({ sms: z.boolean().optional(), email: z.boolean().optional() }).optional(),
});
export type EventCustomer = z.infer<typeof EventCustomerSchema>;
