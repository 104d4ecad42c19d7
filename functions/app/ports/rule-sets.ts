import type { EngineSettings } from '../../core/config/engine-settings.ts';
import type { Rule } from '../../core/rules/rule-schema.ts';

/**
 * What a rule-set version holds: the validated settings and rules (schema defaults applied) and
 * the template texts by path below `templates/` — the same content as the bundled
 * `nudge-project.json` (functions/handlers/deployed-project.ts).
 */
export interface RuleSetContent {
  settings: EngineSettings;
  rules: Rule[];
  /** `renewal-reminder/sv.sms.liquid` → file text. */
  templates: Record<string, string>;
}

/** A version's metadata: who made it, when, why, and the hash of its content. */
export interface RuleSetVersionInfo {
  version: number;
  /** ISO UTC instant. */
  createdAt: string;
  createdBy: string;
  message: string;
  /** SHA-256 (hex) of the stored content's JSON. */
  sourceHash: string;
  /** The publish gate's backtest summary, when one ran. */
  backtest?: Record<string, unknown>;
}

/** A whole version: metadata and content. Versions never change once written. */
export interface RuleSetVersion extends RuleSetVersionInfo {
  content: RuleSetContent;
}

/** One move of the active pointer: a publish, a rollback, or the first deploy's seed. */
export interface RuleSetMove {
  /** The n-th move (1 for the first). */
  seq: number;
  action: 'seed' | 'publish' | 'rollback';
  /** ISO UTC instant. */
  at: string;
  by: string;
  message: string;
  /** The version active before the move; absent for the first one. */
  from?: number;
  to: number;
  backtest?: Record<string, unknown>;
}

/** The active pointer: the version functions run, and the move that made it active. */
export interface ActiveRuleSet {
  version: number;
  lastMove: RuleSetMove;
}

/** Who moves the pointer and why (the version, the move's sequence and `from` are the store's). */
export interface MoveRequest {
  /** The version the caller saw active; the move is refused when another is (no lost update). */
  expectedVersion: number | undefined;
  at: string;
  by: string;
  message: string;
  backtest?: Record<string, unknown>;
}

/** Base of the errors a {@link RuleSetStore} raises on purpose; `code` says which. */
export class RuleSetError extends Error {
  override readonly name: string = 'RuleSetError';
  readonly code: 'conflict' | 'not-found' | 'corrupt';

  constructor(message: string, code: 'conflict' | 'not-found' | 'corrupt', options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The active version moved since the caller read it (another publisher won), or a seed found one
 * already: nothing of the caller's move was applied.
 */
export class RuleSetConflictError extends RuleSetError {
  override readonly name = 'RuleSetConflictError';
  /** The version active now (undefined when none). */
  readonly activeVersion: number | undefined;

  constructor(expected: number | undefined, active: number | undefined) {
    super(
      `conflict: expected active version ${expected ?? 'none'}, but version ${active ?? 'none'} is active (another publish or rollback moved it first); nothing was changed — look at it and try again`,
      'conflict',
    );
    this.activeVersion = active;
  }
}

/** The version asked for does not exist (a rollback or diff to a version never published). */
export class RuleSetNotFoundError extends RuleSetError {
  override readonly name = 'RuleSetNotFoundError';

  constructor(version: number) {
    super(`rule-set version ${version} does not exist; nothing was changed`, 'not-found');
  }
}

/**
 * Rule-set versions, the one ACTIVE pointer and the audit of its moves (docs/data-model.md,
 * "Rule sets"). Versions are immutable; the pointer moves only by a conditional write against the
 * version the caller saw, so two publishers at once give one winner and one
 * {@link RuleSetConflictError}.
 */
export interface RuleSetStore {
  /** The active pointer (one read), or undefined before the first seed or publish. */
  active(): Promise<ActiveRuleSet | undefined>;
  /** A version with its content, or undefined. */
  getVersion(version: number): Promise<RuleSetVersion | undefined>;
  /** Every version's metadata, oldest first. */
  listVersions(): Promise<RuleSetVersionInfo[]>;
  /** The pointer's moves, newest first (at most `limit`). */
  history(limit?: number): Promise<RuleSetMove[]>;
  /**
   * Stores `content` as a new version (the next number) and makes it active.
   *
   * @throws {RuleSetConflictError} when the active version is not `move.expectedVersion`; the
   *   new version may then be stored, never active.
   */
  publish(content: RuleSetContent, move: MoveRequest): Promise<RuleSetMove>;
  /**
   * Makes an existing version active again.
   *
   * @throws {RuleSetNotFoundError} for a version that does not exist.
   * @throws {RuleSetConflictError} when the active version is not `move.expectedVersion`.
   */
  rollback(version: number, move: MoveRequest): Promise<RuleSetMove>;
  /**
   * The first deploy: stores `content` as version 1 and makes it active, only when no pointer
   * exists. Two racing cold starts give one seed; both get the pointer back.
   */
  seed(content: RuleSetContent, move: Pick<MoveRequest, 'at' | 'by' | 'message'>): Promise<ActiveRuleSet>;
}
