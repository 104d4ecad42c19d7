// Writes contracts/*.schema.json and schema/*.schema.json from the zod schemas (npm run contracts).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import { EngineSettingsSchema } from '../functions/core/config/engine-settings.ts';
import { CONTRACTS, contractJsonSchema } from '../functions/core/contracts.ts';
import { RuleSchema } from '../functions/core/rules/rule-schema.ts';

mkdirSync('contracts', { recursive: true });
for (const [name, schema] of Object.entries(CONTRACTS)) {
  writeFileSync(`contracts/${name}.schema.json`, contractJsonSchema(name, schema));
  process.stdout.write(`wrote contracts/${name}.schema.json\n`);
}
mkdirSync('schema', { recursive: true });
const editorSchema = (title: string, schema: z.ZodType) =>
  `${JSON.stringify({ title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) }, null, 2)}\n`;
writeFileSync('schema/rule.schema.json', editorSchema('Nudge notification rule', RuleSchema));
writeFileSync(
  'schema/config.schema.json',
  editorSchema('Nudge settings (nudge.config.yaml)', EngineSettingsSchema),
);
process.stdout.write('wrote schema/rule.schema.json, schema/config.schema.json\n');
