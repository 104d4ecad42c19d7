/**
 * `npm run size`: bundles each Lambda handler exactly as the stack does (infra/bundling.ts:
 * minified ESM for node22, AWS SDK included, split into `index.mjs` and the chunks it loads on
 * first use) and prints, per function, the minified size of what is loaded at init and of the
 * whole asset, the gzipped size of the whole asset, and the heavy packages inside it.
 *
 * It also guards the split the handlers were written for: the twilio REST client and
 * @sendgrid/mail may be only in `send`, and there only twilio's messaging client
 * (functions/adapters/twilio/twilio-client.ts), never the all-products `Twilio` class of the
 * package entry (3.2 MB); the webhook may hold only twilio's signature helper
 * (`twilio/lib/webhooks`) and `@sendgrid/eventwebhook`. A bundle that breaks this fails the
 * command (exit 1), so CI notices a stray import before a cold start does.
 *
 * Usage: `npm run size` (table) or `npm run size -- --markdown` (the BENCHMARKS.md table).
 */
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  HANDLER_ENTRIES,
  LAMBDA_ESBUILD_OPTIONS,
  type NudgeFunctionName,
  outputsLoadedAtInit,
} from '../infra/bundling.ts';

/** Packages whose presence matters for cold start, in report order. */
const WATCHED = [
  'twilio',
  '@sendgrid/mail',
  '@sendgrid/client',
  '@sendgrid/helpers',
  '@sendgrid/eventwebhook',
] as const;

/**
 * Where each watched package may appear. `twilio-webhooks` is twilio's signature helper alone;
 * {@link TWILIO_ALL_PRODUCTS} (the package entry's client class, which loads every Twilio product)
 * may appear nowhere.
 */
const ALLOWED: Record<NudgeFunctionName, ReadonlySet<string>> = {
  evaluate: new Set(),
  send: new Set(['twilio', 'twilio-webhooks', '@sendgrid/mail', '@sendgrid/client', '@sendgrid/helpers']),
  webhook: new Set(['twilio-webhooks', '@sendgrid/eventwebhook']),
  // The console reads the stores and puts test events on the bus: no provider SDK at all.
  console: new Set(),
  // Queued outcome events onto the bus: the EventBridge client and the contracts only.
  'outcome-relay': new Set(),
  // The release sweep: DynamoDB Query and SQS SendMessageBatch only.
  release: new Set(),
};

/** The name the report gives twilio's all-products client class (`twilio/lib/rest/Twilio.js`). */
const TWILIO_ALL_PRODUCTS = 'twilio (all products)';

/** One bundled function. */
export interface BundleReport {
  name: NudgeFunctionName;
  /** Every .mjs file of the asset. */
  minifiedBytes: number;
  /** `index.mjs` and the chunks it imports statically: what Node reads and compiles at init. */
  initBytes: number;
  gzipBytes: number;
  /** Watched packages inside, with the bytes they contribute to the minified output. */
  heavy: Array<{ pkg: string; bytes: number }>;
  /** The largest packages overall, for context. */
  largest: Array<{ pkg: string; bytes: number }>;
  buildMs: number;
}

/** The npm package a metafile input path belongs to (`node_modules/@a/b/x.js` → `@a/b`), or `(nudge)`. */
export function packageOf(inputPath: string): string {
  const at = inputPath.lastIndexOf('node_modules/');
  if (at === -1) return '(nudge)';
  const parts = inputPath.slice(at + 'node_modules/'.length).split('/');
  const [first = '', second = ''] = parts;
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** Names twilio's signature helper on its own, so the report can tell it from the whole SDK. */
function watchedName(inputPath: string, pkg: string): string {
  if (pkg === 'twilio' && /node_modules\/twilio\/lib\/webhooks\//.test(inputPath)) return 'twilio-webhooks';
  if (pkg === 'twilio' && /node_modules\/twilio\/lib\/rest\/Twilio\.js$/.test(inputPath))
    return TWILIO_ALL_PRODUCTS;
  return pkg;
}

/** Bundles one handler in memory and measures it. */
export async function bundleFunction(name: NudgeFunctionName): Promise<BundleReport> {
  const started = performance.now();
  const result = await build({
    entryPoints: [HANDLER_ENTRIES[name]],
    ...LAMBDA_ESBUILD_OPTIONS,
    outdir: name,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const buildMs = performance.now() - started;
  const outputs = result.outputFiles.filter((file) => file.path.endsWith('.mjs'));
  if (outputs.length === 0) throw new Error(`esbuild produced no .mjs for ${name}`);
  const atInit = new Set(outputsLoadedAtInit(result.metafile).map((path) => resolve(path)));
  const bytesOf = (files: typeof outputs) => files.reduce((sum, file) => sum + file.contents.byteLength, 0);
  const byPackage = new Map<string, number>();
  const byWatched = new Map<string, number>();
  for (const meta of Object.values(result.metafile.outputs satisfies Metafile['outputs'])) {
    for (const [inputPath, { bytesInOutput }] of Object.entries(meta.inputs)) {
      const pkg = packageOf(inputPath);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
      const watched = watchedName(inputPath, pkg);
      if (WATCHED.some((w) => w === pkg))
        byWatched.set(watched, (byWatched.get(watched) ?? 0) + bytesInOutput);
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map.entries()].map(([pkg, bytes]) => ({ pkg, bytes })).sort((a, b) => b.bytes - a.bytes);
  return {
    name,
    minifiedBytes: bytesOf(outputs),
    initBytes: bytesOf(outputs.filter((file) => atInit.has(file.path))),
    gzipBytes: outputs.reduce((sum, file) => sum + gzipSync(file.contents, { level: 9 }).byteLength, 0),
    heavy: sorted(byWatched).filter((entry) => entry.bytes > 0),
    largest: sorted(byPackage).slice(0, 3),
    buildMs,
  };
}

/** Watched packages found where they must not be, as readable lines. */
export function misplaced(reports: ReadonlyArray<BundleReport>): string[] {
  return reports.flatMap((report) =>
    report.heavy
      .filter((entry) => !ALLOWED[report.name].has(entry.pkg))
      .map((entry) =>
        entry.pkg === TWILIO_ALL_PRODUCTS
          ? `${report.name} bundles the whole twilio SDK (its all-products client): import the messaging client only (functions/adapters/twilio/twilio-client.ts)`
          : `${report.name} bundles ${entry.pkg} (${kb(entry.bytes)} KB), which belongs only in send`,
      ),
  );
}

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

function heavyCell(report: BundleReport): string {
  if (report.heavy.length === 0) return 'none';
  return report.heavy.map((entry) => `${entry.pkg} ${kb(entry.bytes)} KB`).join(', ');
}

function largestCell(report: BundleReport): string {
  return report.largest.map((entry) => `${entry.pkg} ${kb(entry.bytes)}`).join(', ');
}

function table(rows: string[][], markdown: boolean): string {
  if (markdown) {
    const [head = [], ...body] = rows;
    return [head, head.map(() => '---'), ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
  }
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const markdown = process.argv.includes('--markdown');
  const names = Object.keys(HANDLER_ENTRIES).filter(
    (name): name is NudgeFunctionName => name in HANDLER_ENTRIES,
  );
  const reports: BundleReport[] = [];
  // One at a time: the build times are then comparable, and 2-core machines stay responsive.
  for (const name of names) reports.push(await bundleFunction(name));
  const rows = [
    [
      'function',
      'loaded at init KB',
      'minified KB (all files)',
      'gzip KB (all files)',
      'heavy packages inside',
      'largest packages (KB)',
    ],
    ...reports.map((r) => [
      r.name,
      kb(r.initBytes),
      kb(r.minifiedBytes),
      kb(r.gzipBytes),
      heavyCell(r),
      largestCell(r),
    ]),
  ];
  process.stdout.write(`${table(rows, markdown)}\n`);
  const problems = misplaced(reports);
  for (const problem of problems) process.stderr.write(`size: ${problem}\n`);
  if (problems.length > 0) process.exitCode = 1;
}

await main();
