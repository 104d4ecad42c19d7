/**
 * How every Nudge Lambda is bundled, in one place: the stack's functions (constructs/nudge-function.ts),
 * `npm run size` (scripts/bundle-size.ts) and the cold-start benchmark all read these values, so
 * the sizes reported are the sizes deployed.
 */
import { buildSync, type Metafile } from 'esbuild';

/** Node.js major version the functions run on (runtime nodejs22.x). */
export const NODE_TARGET = 'node22';

/**
 * Prepended to each ESM bundle. esbuild turns a CommonJS dependency's `require('node:…')` into a
 * call to `require`, which does not exist in an ES module; without this shim twilio, the
 * SendGrid packages and parts of the AWS SDK fail at load with "Dynamic require … is not
 * supported". `createRequire` gives them a real one. Aliased so it cannot clash with a bundled
 * identifier.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __nudgeCreateRequire } from 'node:module'; const require = __nudgeCreateRequire(import.meta.url);";

/**
 * Prefer a package's ES module build: it tree-shakes (the AWS SDK v3 and Powertools ship one),
 * falling back to CommonJS `main` for packages that have only that.
 */
const MAIN_FIELDS: string[] = ['module', 'main'];

/**
 * The AWS SDK is bundled, not taken from the runtime: the functions then run exactly the SDK
 * versions in package-lock.json that the tests ran against, and a minified bundle loads faster
 * than the runtime's unminified copy. Nothing is external.
 */
const EXTERNAL_MODULES: string[] = [];

/**
 * Where the code a handler loads only on first use goes. With esbuild's code splitting, a module
 * reached only through `await import()` (send's twilio and SendGrid clients, the Secrets Manager
 * client, the webhook's SendGrid verifier, the AWS SDK's SSO and STS credential providers) is
 * written to its own file under `chunks/`, which Node reads and compiles when that import first
 * runs. In a single file esbuild defers only the *evaluation* of such code: V8 still scans all of
 * it at load (send: ~1 MB more, ~25 ms more CPU of init on the project's 2-core machine). Modules
 * that the entry and a lazy part share go into chunks the entry imports statically.
 */
const CHUNK_NAMES = 'chunks/[name]-[hash]';

/**
 * The esbuild options above as one object, for everything that bundles a function: the stack
 * ({@link bundleHandler}, one esbuild pass per function), `npm run size` and the cold-start
 * benchmark, so they all build exactly what is deployed. Each function's output is a folder
 * (`outdir`): `index.mjs`, the Lambda entry, and its `chunks/`.
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  mainFields: MAIN_FIELDS,
  banner: { js: ESM_REQUIRE_BANNER },
  external: EXTERNAL_MODULES,
  splitting: true,
  entryNames: 'index',
  chunkNames: CHUNK_NAMES,
  outExtension: { '.js': '.mjs' },
} as const;

/**
 * Bundles one handler (`entry`, an absolute path) into `outdir` as the stack deploys it, in one
 * esbuild pass. Synchronous because CDK's local bundling hook is.
 */
export function bundleHandler(entry: string, outdir: string): void {
  buildSync({ entryPoints: [entry], ...LAMBDA_ESBUILD_OPTIONS, outdir, logLevel: 'warning' });
}

/** The Lambda entry points, relative to the repository root, by function name. */
export const HANDLER_ENTRIES = {
  evaluate: 'functions/handlers/evaluate.handler.ts',
  send: 'functions/handlers/send.handler.ts',
  webhook: 'functions/handlers/webhook.handler.ts',
  console: 'functions/handlers/console.handler.ts',
  'outcome-relay': 'functions/handlers/outcome-relay.handler.ts',
  release: 'functions/handlers/release.handler.ts',
} as const;

/** The name of a Nudge function. */
export type NudgeFunctionName = keyof typeof HANDLER_ENTRIES;

/**
 * The project folder's parts: synthesis validates them and compiles them into the one file the
 * functions read at cold start (`nudge-project.json`, functions/handlers/deployed-project.ts),
 * copied next to each bundle. The YAML and Liquid files themselves are not deployed.
 */
export const PROJECT_DATA = ['rules', 'templates', 'nudge.config.yaml'] as const;

/**
 * The output files Node reads and compiles when Lambda imports a bundle's entry: `index.mjs` and,
 * transitively, the chunks it imports statically. The other chunks load on first use. Paths as
 * the metafile gives them.
 */
export function outputsLoadedAtInit(metafile: Metafile): string[] {
  const { outputs } = metafile;
  // Each dynamically imported module's chunk is an entry point of its own in the metafile.
  const entry = Object.keys(outputs).find((path) => path === 'index.mjs' || path.endsWith('/index.mjs'));
  if (entry === undefined) throw new Error('the bundle has no index.mjs');
  const loaded = new Set<string>([entry]);
  for (const path of loaded) {
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && imported.external !== true && imported.path in outputs)
        loaded.add(imported.path);
    }
  }
  return [...loaded];
}
