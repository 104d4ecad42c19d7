#!/usr/bin/env node
// The `nudge` command. Runs the TypeScript sources directly through tsx so the CLI, the
// local runtime and the Lambda handlers share one copy of the code with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
