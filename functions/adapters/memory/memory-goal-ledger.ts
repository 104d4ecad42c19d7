import type {
  DecisionGroup,
  EffectTally,
  FoundDecision,
  GoalDecision,
  GoalKind,
  GoalLedger,
} from '../../app/ports/goals.ts';

interface Entry extends GoalDecision {
  convertedBy?: string;
}

/** {@link GoalLedger} in memory: entries by `ruleId#kind#value`, tallies by `ruleId#day#group`. */
export class MemoryGoalLedger implements GoalLedger {
  /** Entries by partition `ruleId#kind#value`, then message id (the customer index reads them). */
  readonly entries = new Map<string, Map<string, Entry>>();
  private readonly counts = new Map<string, EffectTally>();

  async recordDecision(
    decision: GoalDecision,
    keys: Readonly<Partial<Record<GoalKind, string>>>,
  ): Promise<'created' | 'exists'> {
    let created = false;
    for (const [kind, value] of Object.entries(keys)) {
      const partition = this.partition(decision.ruleId, kind, value);
      if (partition.has(decision.messageId)) continue;
      partition.set(decision.messageId, { ...decision });
      created = true;
    }
    if (!created) return 'exists';
    this.tally(decision.ruleId, decision.at, decision.group).decisions++;
    return 'created';
  }

  async findDecisions(
    ruleId: string,
    kind: GoalKind,
    keyValue: string,
    range: { from: string; until: string },
  ): Promise<FoundDecision[]> {
    return [...this.partition(ruleId, kind, keyValue).values()]
      .filter((entry) => entry.at >= range.from && entry.at <= range.until)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .map(({ convertedBy, ...decision }) => ({ ...decision, converted: convertedBy !== undefined }));
  }

  async convert(
    kind: GoalKind,
    keyValue: string,
    decision: GoalDecision,
    by: { eventId: string; at: string },
  ): Promise<'converted' | 'already'> {
    const entry = this.partition(decision.ruleId, kind, keyValue).get(decision.messageId);
    if (entry === undefined || entry.convertedBy !== undefined) return 'already';
    entry.convertedBy = by.eventId;
    const tally = this.tally(decision.ruleId, entry.at, entry.group);
    if (kind === 'goal') tally.goals++;
    else tally.avoids++;
    return 'converted';
  }

  async tallies(ruleId: string, fromDay: string, toDay: string): Promise<EffectTally[]> {
    return [...this.counts.values()]
      .filter((tally) => tally.ruleId === ruleId && tally.day >= fromDay && tally.day <= toDay)
      .sort((a, b) => (`${a.day}#${a.group}` < `${b.day}#${b.group}` ? -1 : 1))
      .map((tally) => ({ ...tally }));
  }

  private partition(ruleId: string, kind: string, value: string): Map<string, Entry> {
    const name = `${ruleId}#${kind}#${value}`;
    const existing = this.entries.get(name);
    if (existing !== undefined) return existing;
    const created = new Map<string, Entry>();
    this.entries.set(name, created);
    return created;
  }

  private tally(ruleId: string, at: string, group: DecisionGroup): EffectTally {
    const day = at.slice(0, 10);
    const name = `${ruleId}#${day}#${group}`;
    const existing = this.counts.get(name);
    if (existing !== undefined) return existing;
    const created: EffectTally = { ruleId, day, group, decisions: 0, goals: 0, avoids: 0 };
    this.counts.set(name, created);
    return created;
  }
}
