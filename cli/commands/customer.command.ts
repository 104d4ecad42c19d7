import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { loadSettings } from '../../functions/adapters/files/load-rules.ts';
import type { PrivacyDeps } from '../../functions/app/privacy/customer-holdings.ts';
import { type EraseResult, eraseCustomer } from '../../functions/app/privacy/erase-customer.ts';
import { exportCustomer } from '../../functions/app/privacy/export-customer.ts';
import { openStoreTarget, type StoreTargetOptions, storeTargetOptions } from '../store-target.ts';
import { printIssues } from './project.ts';

interface CustomerOptions extends StoreTargetOptions {
  config?: string;
}

/**
 * `nudge customer export|erase`: privacy requests (GDPR art. 15 and 17) on the journey table, the
 * same use cases the console's `privacy` role calls.
 */
export function registerCustomer(program: Command): void {
  const customer = program
    .command('customer')
    .description("A customer's data: export everything Nudge holds about her, or erase it (GDPR)");
  storeTargetOptions(
    customer
      .command('export')
      .description('Everything Nudge holds about a customer, as one JSON document')
      .argument('<id>', 'customer id (detail.customer.id)')
      .option('--out <file>', 'write the document here (default: standard output)')
      .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)'),
  ).action(async (id: string, options: CustomerOptions & { out?: string }) => {
    process.exitCode = await withDeps(options, async (deps, where) => {
      const document = await exportCustomer(id, deps);
      if (document === undefined) return noSuchCustomer(id, where);
      const json = `${JSON.stringify(document, null, 2)}\n`;
      if (options.out === undefined) process.stdout.write(json);
      else {
        writeFileSync(options.out, json, { mode: 0o600 });
        process.stderr.write(`Wrote the export of ${id} to ${options.out}\n`);
      }
      return 0;
    });
  });
  storeTargetOptions(
    customer
      .command('erase')
      .description(
        'Delete everything Nudge holds about a customer; only the suppression of her addresses stays (unlinked)',
      )
      .argument('<id>', 'customer id (detail.customer.id)')
      .option('--yes', 'do not ask for confirmation')
      .option('--config <file>', 'engine settings (default: nudge.config.yaml when present)'),
  ).action(async (id: string, options: CustomerOptions & { yes?: boolean }) => {
    process.exitCode = await withDeps(options, async (deps, where) => {
      if (options.yes !== true && !(await confirmed(`Erase everything about ${id} in ${where}? [y/N] `))) {
        process.stderr.write('Nothing erased.\n');
        return 1;
      }
      return reportErase(await eraseCustomer(id, { actor: `cli:${userInfo().username}` }, deps), where);
    });
  });
}

/** Opens the table (always closed again) and runs `act` with the privacy use cases' ports. */
async function withDeps(
  options: CustomerOptions,
  act: (deps: PrivacyDeps, where: string) => Promise<number>,
): Promise<number> {
  const { settings, issues } = loadSettings(options.config);
  if (issues.length > 0) {
    printIssues(issues);
    return 1;
  }
  const target = await openStoreTarget(options);
  try {
    // No scheduler here: a pending message's one-time schedule (it carries only the message id)
    // fires into the send step, whose claim finds no record, and sends nothing.
    const deps: PrivacyDeps = {
      ...target.stores,
      clock: { now: () => DateTime.utc() },
      defaultCountry: settings.defaults.country,
    };
    return await act(deps, target.where);
  } finally {
    await target.close();
  }
}

function noSuchCustomer(id: string, where: string): number {
  process.stderr.write(
    `No such customer: nothing is held about ${id} in ${where} (never seen, or erased).\n`,
  );
  return 1;
}

async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** Prints what was removed and kept: counts only, never contact data. */
function reportErase(result: EraseResult, where: string): number {
  switch (result.outcome) {
    case 'not-found':
      return noSuchCustomer(result.customerId, where);
    case 'in-flight':
      process.stderr.write(
        `Not erased: ${result.inFlight} message(s) to ${result.customerId} are being sent right now. Nothing was changed; retry in a minute.\n`,
      );
      return 1;
    case 'erased': {
      const { summary } = result;
      process.stdout.write(`Erased ${summary.customerId} in ${where}: ${result.audit.detail}.\n`);
      if (summary.suppressionsKept > 0) {
        process.stdout.write(
          `Kept ${summary.suppressionsKept} address suppression(s), unlinked from the customer, so the opt-out keeps being honoured.\n`,
        );
      }
      if (summary.remaining > 0) {
        process.stderr.write(
          `${summary.remaining} message(s) started sending during the erase and remain: run the erase again in a minute.\n`,
        );
        return 1;
      }
      return 0;
    }
  }
}
