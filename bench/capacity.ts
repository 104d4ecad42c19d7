/**
 * `npm run capacity`: the capacity model of the AWS design (issue 14). Prints every DynamoDB
 * partition, account quota and provider limit the design loads at the stated traffic, as a share
 * of its documented limit, highest first, marking those above 50 % with the change that would
 * bring them under.
 *
 *   npm run capacity                                  # defaults: 10,000 messages/s, …
 *   npm run capacity -- --messages-per-second 2000 --sms-share 0.5
 *   npm run capacity -- --traffic traffic.yaml        # a YAML/JSON file of the same fields
 *   npm run capacity -- --profile saved.json          # reuse a measured pass instead of measuring
 *   npm run capacity -- --save-profile saved.json     # keep this run's measured pass
 *   npm run capacity -- --markdown                    # markdown instead of text
 *   npm run capacity -- --size                        # the deployment the traffic needs, and its table
 *   npm run capacity -- --update-docs                 # rewrite the generated parts of docs/capacity.md
 *
 * The per-message DynamoDB figures come from a measured pass over the real handlers on DynamoDB
 * Local (about a minute), unless `--profile` names a saved one; the output says which.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureProfile } from './capacity/measure.ts';
import { TABLE_KEYS } from './capacity/partitions.ts';
import { type Profile, ProfileSchema } from './capacity/profile.ts';
import { capacityRows, limitsTable, markdownTable, profileSummary, textTable } from './capacity/render.ts';
import { type Sizing, sizeDeployment, sizingText } from './capacity/sizing.ts';
import { readTraffic, trafficFlags } from './capacity/traffic.ts';

const DOCS = join(import.meta.dirname, '..', 'docs', 'capacity.md');
const BOOLEAN_FLAGS = new Set(['markdown', 'update-docs', 'size', 'help']);

function parseArgs(argv: ReadonlyArray<string>): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`capacity: unexpected argument '${arg}'`);
    const name = arg.slice(2);
    if (BOOLEAN_FLAGS.has(name)) flags.set(name, 'true');
    else flags.set(name, argv[++i] ?? '');
  }
  return flags;
}

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->`. */
function replaceBetween(document: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = document.indexOf(begin);
  const to = document.indexOf(end);
  if (from === -1 || to < from) throw new Error(`capacity: docs/capacity.md has no ${begin} … ${end}`);
  return `${document.slice(0, from + begin.length)}\n${body.trim()}\n${document.slice(to)}`;
}

async function profileFor(flags: ReadonlyMap<string, string>): Promise<Profile> {
  const saved = flags.get('profile');
  if (saved !== undefined) {
    const profile = ProfileSchema.parse(JSON.parse(readFileSync(saved, 'utf8')));
    return { ...profile, source: `saved pass ${saved} (${profile.source})` };
  }
  const size = Number(flags.get('pass-size') ?? 200);
  const profile = await measureProfile(
    {
      sms: size,
      email: Math.ceil(size / 2),
      reminders: Math.ceil(size / 2),
      cancels: Math.ceil(size / 4),
      replies: Math.ceil(size / 4),
      thresholdEvents: Math.ceil(size / 2),
    },
    (line) => console.error(line),
  );
  const keep = flags.get('save-profile');
  if (keep !== undefined) writeFileSync(keep, `${JSON.stringify(profile, null, 2)}\n`);
  return profile;
}

/** The generated "Sizing a deployment" block of docs/capacity.md. */
function sizedBlockOf(sizing: Sizing): string {
  return [
    'The deployment this traffic needs (`npm run capacity -- --size`):',
    '',
    sizingText(sizing),
    '',
    `Traffic as sized: ${JSON.stringify(sizing.traffic)}`,
    '',
    markdownTable(sizing.rows),
  ].join('\n');
}

async function main(): Promise<void> {
  const flags = parseArgs(process.argv.slice(2));
  if (flags.has('help')) {
    console.log(
      `npm run capacity -- [--traffic file] [--profile file] [--save-profile file] [--pass-size n] [--size] [--markdown] [--update-docs]\ntraffic flags: ${trafficFlags().join(' ')}`,
    );
    return;
  }
  const stated = readTraffic(flags, flags.get('traffic'));
  const profile = await profileFor(flags);
  // Sizing runs the model several times: only when it is printed or written.
  const sizing =
    flags.has('size') || flags.has('update-docs') ? sizeDeployment(stated, profile, TABLE_KEYS) : undefined;
  const traffic = flags.has('size') && sizing !== undefined ? sizing.traffic : stated;
  const rows =
    flags.has('size') && sizing !== undefined ? sizing.rows : capacityRows(traffic, profile, TABLE_KEYS);
  const over = rows.filter((row) => row.share > 0.5).length;
  const trafficLine = `Traffic: ${JSON.stringify(traffic)}`;
  if (flags.has('update-docs')) {
    let docs = readFileSync(DOCS, 'utf8');
    docs = replaceBetween(
      docs,
      'capacity',
      [trafficLine, '', markdownTable(rows), '', profileSummary(profile)].join('\n'),
    );
    if (sizing !== undefined) docs = replaceBetween(docs, 'capacity-sized', sizedBlockOf(sizing));
    docs = replaceBetween(docs, 'limits', limitsTable());
    writeFileSync(DOCS, docs);
    console.error(`wrote docs/capacity.md (${over} of ${rows.length} rows above 50 %)`);
  }
  if (flags.has('markdown')) {
    console.log([trafficLine, '', markdownTable(rows), '', profileSummary(profile)].join('\n'));
  } else {
    console.log(
      [
        ...(flags.has('size') && sizing !== undefined
          ? ['The deployment this traffic needs:', sizingText(sizing), '']
          : []),
        trafficLine,
        profile.source,
        '',
        textTable(rows),
        '',
        `${over} of ${rows.length} rows above 50 % of their limit.`,
      ].join('\n'),
    );
  }
}

await main();
