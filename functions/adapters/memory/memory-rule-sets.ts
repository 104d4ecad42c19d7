import {
  type ActiveRuleSet,
  type MoveRequest,
  RuleSetConflictError,
  type RuleSetContent,
  type RuleSetMove,
  RuleSetNotFoundError,
  type RuleSetStore,
  type RuleSetVersion,
  type RuleSetVersionInfo,
} from '../../app/ports/rule-sets.ts';
import { encodeRuleSet } from '../rule-set-json.ts';

/**
 * {@link RuleSetStore} in memory, with DynamoDB's semantics (dynamo-rule-sets.ts): numbers from a
 * counter, immutable versions, the pointer moved only from the version the caller saw. Content is
 * kept as its JSON, so a caller changing an object afterwards changes no version.
 */
export class MemoryRuleSets implements RuleSetStore {
  private readonly versions = new Map<number, { info: RuleSetVersionInfo; json: string }>();
  private readonly moves: RuleSetMove[] = [];
  private counter = 0;

  async active(): Promise<ActiveRuleSet | undefined> {
    const last = this.moves.at(-1);
    return last === undefined ? undefined : { version: last.to, lastMove: structuredClone(last) };
  }

  async getVersion(version: number): Promise<RuleSetVersion | undefined> {
    const stored = this.versions.get(version);
    return stored === undefined
      ? undefined
      : { ...structuredClone(stored.info), content: JSON.parse(stored.json) };
  }

  async listVersions(): Promise<RuleSetVersionInfo[]> {
    return [...this.versions.values()]
      .map((stored) => structuredClone(stored.info))
      .sort((a, b) => a.version - b.version);
  }

  async history(limit = 50): Promise<RuleSetMove[]> {
    return structuredClone(this.moves.slice(-limit).reverse());
  }

  async publish(content: RuleSetContent, move: MoveRequest): Promise<RuleSetMove> {
    this.expect(move.expectedVersion);
    let version = ++this.counter;
    while (this.versions.has(version)) version = ++this.counter;
    this.store(version, content, { ...move, by: move.by });
    return this.move(version, 'publish', move);
  }

  async rollback(version: number, move: MoveRequest): Promise<RuleSetMove> {
    if (!this.versions.has(version)) throw new RuleSetNotFoundError(version);
    this.expect(move.expectedVersion);
    return this.move(version, 'rollback', move);
  }

  async seed(
    content: RuleSetContent,
    move: Pick<MoveRequest, 'at' | 'by' | 'message'>,
  ): Promise<ActiveRuleSet> {
    const active = await this.active();
    if (active !== undefined) return active;
    if (!this.versions.has(1)) this.store(1, content, move);
    // Another seed may have moved it since this one looked.
    if (this.moves.length === 0) this.move(1, 'seed', { ...move, expectedVersion: undefined });
    const now = await this.active();
    if (now === undefined) throw new RuleSetConflictError(undefined, undefined);
    return now;
  }

  private store(
    version: number,
    content: RuleSetContent,
    move: Pick<MoveRequest, 'at' | 'by' | 'message' | 'backtest'>,
  ) {
    const { sourceHash } = encodeRuleSet(content);
    const info: RuleSetVersionInfo = {
      version,
      createdAt: move.at,
      createdBy: move.by,
      message: move.message,
      sourceHash,
      ...(move.backtest === undefined ? {} : { backtest: structuredClone(move.backtest) }),
    };
    this.versions.set(version, { info, json: JSON.stringify(content) });
  }

  private expect(expected: number | undefined): void {
    const active = this.moves.at(-1)?.to;
    if (active !== expected) throw new RuleSetConflictError(expected, active);
  }

  private move(to: number, action: RuleSetMove['action'], request: MoveRequest): RuleSetMove {
    const from = this.moves.at(-1)?.to;
    const move: RuleSetMove = {
      seq: this.moves.length + 1,
      action,
      at: request.at,
      by: request.by,
      message: request.message,
      ...(from === undefined ? {} : { from }),
      to,
      ...(request.backtest === undefined ? {} : { backtest: structuredClone(request.backtest) }),
    };
    this.moves.push(move);
    return structuredClone(move);
  }
}
