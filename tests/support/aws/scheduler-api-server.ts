import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DEFAULT_LOCAL_REGION,
  LOCAL_ACCOUNT_ID,
  newRequestId,
  parseJsonOrUndefined,
  regionOfRequest,
  writeAwsJson,
} from '../../../local/aws/aws-protocol.ts';
import {
  isRecord,
  type LOOPBACK_HOST,
  PayloadTooLargeError,
  readBody,
  startLoopbackServer,
} from '../../../local/sandboxes/loopback-server.ts';
import {
  ApiError,
  NAME_PATTERN,
  parseDefinition,
  type StoredSchedule,
  validation,
} from './schedule-definition.ts';

/**
 * A loopback EventBridge Scheduler API (REST-JSON, API version 2021-06-30) holding schedules in
 * memory, for `@aws-sdk/client-scheduler` pointed at it with `endpoint`:
 *
 * | operation      | request                                       | answer                        |
 * | -------------- | --------------------------------------------- | ----------------------------- |
 * | CreateSchedule | `POST /schedules/{Name}` + JSON body          | `{ ScheduleArn }`; 409 exists |
 * | UpdateSchedule | `PUT /schedules/{Name}` + JSON body           | `{ ScheduleArn }`; 404 absent |
 * | DeleteSchedule | `DELETE /schedules/{Name}?groupName=&clientToken=` | empty 200; 404 absent    |
 * | GetSchedule    | `GET /schedules/{Name}?groupName=`            | the schedule; 404 absent      |
 * | ListSchedules  | `GET /schedules?ScheduleGroup=&NamePrefix=&State=` | `{ Schedules }` (one page) |
 *
 * Errors are the service's REST-JSON shape: the status of the error's `httpError` trait, the
 * type in `x-amzn-ErrorType` and `{ "Message": … }` in the body. UpdateSchedule replaces the
 * whole definition (omitted optional fields fall back to their defaults), as the service does.
 */

/** One call, for assertions ("no CreateSchedule happened", "cancel twice answered 404 then 404"). */
interface SchedulerCall {
  operation:
    | 'CreateSchedule'
    | 'UpdateSchedule'
    | 'DeleteSchedule'
    | 'GetSchedule'
    | 'ListSchedules'
    | 'Unknown';
  name?: string;
  groupName?: string;
  status: number;
  errorType?: string;
}

/** A scripted failure (e.g. `{ status: 429, type: 'ThrottlingException' }`). */
interface SchedulerFault {
  status: number;
  type: string;
  message?: string;
  /** Only calls of this operation; any operation when absent. */
  operation?: SchedulerCall['operation'];
}

/** Options of {@link startSchedulerApiServer}. */
export interface SchedulerApiServerOptions {
  port?: number;
  host?: typeof LOOPBACK_HOST;
  /** Schedule groups besides `default`; a schedule in any other group is ResourceNotFound. */
  groups?: string[];
  account?: string;
  /** Region for ARNs when the request is unsigned; signed ones use their credential scope. */
  region?: string;
  /** Clock for CreationDate/LastModificationDate. Default: the wall clock. */
  now?: () => Date;
}

/** A started Scheduler endpoint. */
export interface SchedulerApiServer {
  readonly url: string;
  readonly port: number;
  /** Every schedule, ordered by group then name. */
  schedules(): StoredSchedule[];
  /** One schedule, if it exists. */
  schedule(name: string, groupName?: string): StoredSchedule | undefined;
  /** Every call answered so far. */
  calls(): ReadonlyArray<SchedulerCall>;
  /** Answer the next `times` matching calls with this error instead of serving them. */
  failNext(fault: SchedulerFault, times?: number): void;
  /** Creates a schedule group (CreateScheduleGroup is not served over HTTP here). */
  createGroup(name: string): void;
  stop(): Promise<void>;
}

const CLIENT_TOKEN_PATTERN = /^[a-zA-Z0-9\-_]{1,64}$/;
const MAX_BODY_BYTES = 1024 * 1024;

/** Start the loopback Scheduler API on 127.0.0.1. */
export async function startSchedulerApiServer(
  options: SchedulerApiServerOptions = {},
): Promise<SchedulerApiServer> {
  const api = new SchedulerApi(options);
  const server = await startLoopbackServer((req, res) => api.handle(req, res), options.port ?? 0);
  return {
    url: server.url,
    port: server.port,
    schedules: () => api.schedules(),
    schedule: (name, groupName = 'default') => api.schedule(name, groupName),
    calls: () => [...api.log],
    failNext: (fault, times = 1) => {
      for (let i = 0; i < times; i++) api.faults.push(fault);
    },
    createGroup: (name) => {
      api.groups.add(name);
    },
    stop: () => server.close(),
  };
}

type Route = { operation: SchedulerCall['operation']; name?: string };

/** One call being answered, and its entry in the log. */
interface CallContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly requestId: string;
  readonly call: SchedulerCall;
}

/** The schedules, the faults to inject and the log of calls, served one operation per method. */
class SchedulerApi {
  readonly groups: Set<string>;
  readonly log: SchedulerCall[] = [];
  readonly faults: SchedulerFault[] = [];
  readonly #options: SchedulerApiServerOptions;
  readonly #store = new Map<string, StoredSchedule>();
  // ClientToken → schedule key, so a retried CreateSchedule answers like the first one did.
  readonly #createTokens = new Map<string, string>();

  constructor(options: SchedulerApiServerOptions) {
    this.#options = options;
    this.groups = new Set(['default', ...(options.groups ?? [])]);
  }

  schedules(): StoredSchedule[] {
    return sortedSchedules(this.#store).map((s) => structuredClone(s));
  }

  schedule(name: string, groupName: string): StoredSchedule | undefined {
    const found = this.#store.get(key(groupName, name));
    return found === undefined ? undefined : structuredClone(found);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeOf(req.method ?? 'GET', url.pathname);
    const call: SchedulerCall = { operation: route.operation, status: 200 };
    try {
      if (route.name !== undefined) call.name = route.name;
      this.#injectFault(route.operation);
      await this.#serve(route, { req, res, url, requestId, call });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      call.status = error.status;
      call.errorType = error.type;
      writeError(res, requestId, error);
    } finally {
      if (call.status === 200) call.status = res.statusCode;
      this.log.push(call);
    }
  }

  #injectFault(operation: SchedulerCall['operation']): void {
    const faultIndex = this.faults.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (faultIndex < 0) return;
    const [fault] = this.faults.splice(faultIndex, 1);
    if (fault !== undefined)
      throw new ApiError(fault.status, fault.type, fault.message ?? `Injected ${fault.type}`);
  }

  async #serve(route: Route, ctx: CallContext): Promise<void> {
    switch (route.operation) {
      case 'CreateSchedule':
      case 'UpdateSchedule':
        return this.#put(route.operation, requireName(route.name), ctx);
      case 'DeleteSchedule':
      case 'GetSchedule':
        return this.#getOrDelete(route.operation, requireName(route.name), ctx);
      case 'ListSchedules':
        return this.#list(ctx);
      case 'Unknown':
        throw new ApiError(
          404,
          'UnknownOperationException',
          `No operation at ${ctx.req.method} ${ctx.url.pathname}.`,
        );
    }
  }

  async #put(operation: 'CreateSchedule' | 'UpdateSchedule', name: string, ctx: CallContext): Promise<void> {
    const body = await readJsonBody(ctx.req);
    const definition = parseDefinition(body);
    ctx.call.groupName = definition.GroupName;
    if (!this.groups.has(definition.GroupName)) throw groupNotFound(definition.GroupName);
    const id = key(definition.GroupName, name);
    const existing = this.#store.get(id);
    const token = typeof body.ClientToken === 'string' ? body.ClientToken : undefined;
    if (token !== undefined && !CLIENT_TOKEN_PATTERN.test(token)) throw validation('Invalid ClientToken.');
    if (operation === 'CreateSchedule') {
      if (existing !== undefined) {
        // A retry of the same create (same ClientToken) is answered as the original was.
        if (token !== undefined && this.#createTokens.get(token) === id) {
          return sendArn(ctx.res, ctx.requestId, existing.Arn);
        }
        throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
      }
    } else if (existing === undefined) {
      throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    }
    const region = regionOfRequest(ctx.req) ?? this.#options.region ?? DEFAULT_LOCAL_REGION;
    const account = this.#options.account ?? LOCAL_ACCOUNT_ID;
    const stamp = Math.floor((this.#options.now ?? (() => new Date()))().getTime() / 1000);
    const stored: StoredSchedule = {
      ...definition,
      Name: name,
      Arn: `arn:aws:scheduler:${region}:${account}:schedule/${definition.GroupName}/${name}`,
      CreationDate: existing?.CreationDate ?? stamp,
      LastModificationDate: stamp,
    };
    this.#store.set(id, stored);
    if (operation === 'CreateSchedule' && token !== undefined) this.#createTokens.set(token, id);
    sendArn(ctx.res, ctx.requestId, stored.Arn);
  }

  #getOrDelete(operation: 'DeleteSchedule' | 'GetSchedule', name: string, ctx: CallContext): void {
    const groupName = ctx.url.searchParams.get('groupName') ?? 'default';
    ctx.call.groupName = groupName;
    if (!NAME_PATTERN.test(groupName)) throw validation('Invalid GroupName.');
    const token = ctx.url.searchParams.get('clientToken');
    if (token !== null && !CLIENT_TOKEN_PATTERN.test(token)) throw validation('Invalid ClientToken.');
    if (!this.groups.has(groupName)) throw groupNotFound(groupName);
    const existing = this.#store.get(key(groupName, name));
    if (existing === undefined) {
      throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    }
    const headers = { 'x-amzn-requestid': ctx.requestId };
    if (operation === 'DeleteSchedule') this.#store.delete(key(groupName, name));
    // DeleteSchedule has no output members: an empty body.
    writeAwsJson(
      ctx.res,
      200,
      operation === 'GetSchedule' ? existing : undefined,
      'application/json',
      headers,
    );
  }

  #list(ctx: CallContext): void {
    const group = ctx.url.searchParams.get('ScheduleGroup');
    const prefix = ctx.url.searchParams.get('NamePrefix');
    const state = ctx.url.searchParams.get('State');
    const items = sortedSchedules(this.#store)
      .filter((s) => group === null || s.GroupName === group)
      .filter((s) => prefix === null || s.Name.startsWith(prefix))
      .filter((s) => state === null || s.State === state)
      .map((s) => ({
        Arn: s.Arn,
        Name: s.Name,
        GroupName: s.GroupName,
        State: s.State,
        CreationDate: s.CreationDate,
        LastModificationDate: s.LastModificationDate,
        Target: { Arn: s.Target.Arn },
      }));
    writeAwsJson(ctx.res, 200, { Schedules: items }, 'application/json', {
      'x-amzn-requestid': ctx.requestId,
    });
  }
}

function key(groupName: string, name: string): string {
  return `${groupName}\u0000${name}`;
}

function sortedSchedules(store: Map<string, StoredSchedule>): StoredSchedule[] {
  return [...store.values()].sort(
    (a, b) => a.GroupName.localeCompare(b.GroupName) || a.Name.localeCompare(b.Name),
  );
}

function routeOf(method: string, pathname: string): { operation: SchedulerCall['operation']; name?: string } {
  if (pathname === '/schedules' && method === 'GET') return { operation: 'ListSchedules' };
  const match = /^\/schedules\/([^/]+)$/.exec(pathname);
  if (match?.[1] === undefined) return { operation: 'Unknown' };
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    return { operation: 'Unknown' };
  }
  const operation =
    method === 'POST'
      ? 'CreateSchedule'
      : method === 'PUT'
        ? 'UpdateSchedule'
        : method === 'DELETE'
          ? 'DeleteSchedule'
          : method === 'GET'
            ? 'GetSchedule'
            : 'Unknown';
  return { operation, name };
}

function requireName(name: string | undefined): string {
  if (name === undefined || !NAME_PATTERN.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name ?? ''}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+ and have length between 1 and 64`,
    );
  }
  return name;
}

function groupNotFound(groupName: string): ApiError {
  return new ApiError(404, 'ResourceNotFoundException', `Schedule group ${groupName} does not exist.`);
}

function writeError(res: ServerResponse, requestId: string, error: ApiError): void {
  writeAwsJson(res, error.status, { Message: error.message }, 'application/json', {
    'x-amzn-errortype': error.type,
    'x-amzn-requestid': requestId,
  });
}

function sendArn(res: ServerResponse, requestId: string, arn: string): void {
  writeAwsJson(res, 200, { ScheduleArn: arn }, 'application/json', { 'x-amzn-requestid': requestId });
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw validation('Request body is too large.');
    throw error;
  }
  const parsed = parseJsonOrUndefined(text === '' ? '{}' : text);
  if (parsed === undefined || !isRecord(parsed.value))
    throw validation('The request body is not a valid JSON object.');
  return parsed.value;
}
