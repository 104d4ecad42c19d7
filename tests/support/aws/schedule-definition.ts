import { isRecord } from '../../../local/sandboxes/loopback-server.ts';

/*
 * The Scheduler API's schedule definitions: what Create/UpdateSchedule accept, checked as the
 * service checks them, and the errors the endpoint answers with.
 */

/** Schedule and group names. */
export const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;
const AT_EXPRESSION = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE_EXPRESSION = /^rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)$/;
const CRON_EXPRESSION = /^cron\((\S+ ){5}\S+\)$/;

/** An error the endpoint answers with: the status, `x-amzn-ErrorType` and the message. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** A 400 `ValidationException`. */
export const validation = (message: string): ApiError => new ApiError(400, 'ValidationException', message);

/** A schedule as stored (the fields GetSchedule returns; dates in epoch seconds). */
export interface StoredSchedule {
  Arn: string;
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  ActionAfterCompletion: 'NONE' | 'DELETE';
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  Target: ScheduleTarget;
  CreationDate: number;
  LastModificationDate: number;
}

/** The target of a schedule (the fields this endpoint checks; others are kept as sent). */
interface ScheduleTarget extends Record<string, unknown> {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}

type Definition = Omit<StoredSchedule, 'Arn' | 'Name' | 'CreationDate' | 'LastModificationDate'>;

/** The schedule a Create/UpdateSchedule body defines, or a {@link validation} error. */
export function parseDefinition(body: Record<string, unknown>): Definition {
  const expression = body.ScheduleExpression;
  if (typeof expression !== 'string' || expression.length === 0 || expression.length > 256) {
    throw validation('ScheduleExpression is required (1 to 256 characters).');
  }
  checkExpression(expression);
  const timezone = optionalString(body.ScheduleExpressionTimezone, 'ScheduleExpressionTimezone');
  if (timezone !== undefined && !isTimeZone(timezone))
    throw validation(`Invalid ScheduleExpressionTimezone ${timezone}.`);
  const groupName = optionalString(body.GroupName, 'GroupName') ?? 'default';
  if (!NAME_PATTERN.test(groupName)) throw validation('Invalid GroupName.');
  const state = optionalString(body.State, 'State') ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw validation(`Invalid State ${state}.`);
  const action = optionalString(body.ActionAfterCompletion, 'ActionAfterCompletion') ?? 'NONE';
  if (action !== 'NONE' && action !== 'DELETE') throw validation(`Invalid ActionAfterCompletion ${action}.`);
  const description = optionalString(body.Description, 'Description');
  if (description !== undefined && description.length > 512)
    throw validation('Description is over 512 characters.');
  const kmsKeyArn = optionalString(body.KmsKeyArn, 'KmsKeyArn');
  const definition: Definition = {
    ScheduleExpression: expression,
    GroupName: groupName,
    State: state,
    ActionAfterCompletion: action,
    FlexibleTimeWindow: parseWindow(body.FlexibleTimeWindow),
    Target: parseTarget(body.Target),
  };
  if (timezone !== undefined) definition.ScheduleExpressionTimezone = timezone;
  if (description !== undefined) definition.Description = description;
  if (kmsKeyArn !== undefined) definition.KmsKeyArn = kmsKeyArn;
  const start = optionalNumber(body.StartDate, 'StartDate');
  const end = optionalNumber(body.EndDate, 'EndDate');
  if (start !== undefined) definition.StartDate = start;
  if (end !== undefined) definition.EndDate = end;
  if (start !== undefined && end !== undefined && end <= start)
    throw validation('EndDate must be after StartDate.');
  return definition;
}

function checkExpression(expression: string): void {
  const at = AT_EXPRESSION.exec(expression);
  if (at !== null) {
    const [, y, mo, d, h, mi, s] = at.map(Number);
    const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
    const valid =
      date.getUTCFullYear() === y &&
      date.getUTCMonth() === (mo ?? 1) - 1 &&
      date.getUTCDate() === d &&
      date.getUTCHours() === h &&
      date.getUTCMinutes() === mi &&
      date.getUTCSeconds() === s;
    if (!valid) throw validation(`Invalid Schedule Expression ${expression}.`);
    return;
  }
  if (RATE_EXPRESSION.test(expression) || CRON_EXPRESSION.test(expression)) return;
  throw validation(`Invalid Schedule Expression ${expression}.`);
}

function parseWindow(value: unknown): Definition['FlexibleTimeWindow'] {
  if (!isRecord(value)) throw validation('FlexibleTimeWindow is required.');
  const mode = value.Mode;
  if (mode === 'OFF') {
    if (value.MaximumWindowInMinutes !== undefined) {
      throw validation('MaximumWindowInMinutes is only allowed when FlexibleTimeWindow Mode is FLEXIBLE.');
    }
    return { Mode: 'OFF' };
  }
  if (mode === 'FLEXIBLE') {
    const minutes = value.MaximumWindowInMinutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw validation('MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE.');
    }
    return { Mode: 'FLEXIBLE', MaximumWindowInMinutes: minutes };
  }
  throw validation('FlexibleTimeWindow Mode must be OFF or FLEXIBLE.');
}

function parseTarget(value: unknown): ScheduleTarget {
  if (!isRecord(value)) throw validation('Target is required.');
  const arn = value.Arn;
  const roleArn = value.RoleArn;
  if (typeof arn !== 'string' || arn.length < 1 || arn.length > 1600)
    throw validation('Target Arn is required.');
  if (typeof roleArn !== 'string' || roleArn.length < 1 || roleArn.length > 1600) {
    throw validation('Target RoleArn is required.');
  }
  const target: ScheduleTarget = { ...value, Arn: arn, RoleArn: roleArn };
  const input = value.Input;
  if (input !== undefined && (typeof input !== 'string' || input.length < 1)) {
    throw validation('Target Input must be a non-empty string.');
  }
  const deadLetter = value.DeadLetterConfig;
  if (deadLetter !== undefined) {
    if (!isRecord(deadLetter) || (deadLetter.Arn !== undefined && typeof deadLetter.Arn !== 'string')) {
      throw validation('Target DeadLetterConfig must have a string Arn.');
    }
  }
  const retry = value.RetryPolicy;
  if (retry !== undefined) {
    if (!isRecord(retry)) throw validation('Target RetryPolicy must be an object.');
    checkRange(retry.MaximumRetryAttempts, 0, 185, 'MaximumRetryAttempts');
    checkRange(retry.MaximumEventAgeInSeconds, 60, 86_400, 'MaximumEventAgeInSeconds');
  }
  return target;
}

function checkRange(value: unknown, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validation(`${field} must be an integer between ${min} and ${max}.`);
  }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`${field} must be a string.`);
  return value;
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw validation(`${field} must be a timestamp.`);
  return value;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
