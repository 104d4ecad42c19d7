// CDK app entry (cdk.json: `npx tsx infra/app.ts`).
import { buildNudgeApp } from './nudge-app.ts';

const { app } = buildNudgeApp();
app.synth();
