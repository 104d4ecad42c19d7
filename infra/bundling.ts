/**
 * How every Nudge Lambda is bundled, in one place: the stack's `NodejsFunction`s and
 * `npm run size` (scripts/bundle-size.ts) both read these values, so the sizes reported are
 * the sizes deployed.
 */

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
export const MAIN_FIELDS: string[] = ['module', 'main'];

/**
 * The AWS SDK is bundled, not taken from the runtime: the functions then run exactly the SDK
 * versions in package-lock.json that the tests ran against, and a minified bundle loads faster
 * than the runtime's unminified copy. Nothing is external.
 */
export const EXTERNAL_MODULES: string[] = [];

/**
 * The esbuild options above as one object, for the scripts that call esbuild themselves
 * (`npm run size`, the cold-start benchmark) and so build exactly what the stack deploys.
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
} as const;

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
