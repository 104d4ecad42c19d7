import type { CapLedger } from '../../app/ports/caps.ts';

/** {@link CapLedger} in memory: per customer, message id → when it was handed to a provider. */
export class MemoryCapLedger implements CapLedger {
  private readonly capLedgers = new Map<string, Map<string, string>>();

  async countCapSlots(customerId: string, since: string, except?: string): Promise<number> {
    let count = 0;
    for (const [messageId, at] of this.capLedgers.get(customerId) ?? []) {
      if (messageId !== except && at >= since) count++;
    }
    return count;
  }

  async reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean> {
    const ledger = this.capLedgers.get(customerId) ?? new Map<string, string>();
    if (ledger.has(messageId)) return true;
    for (const [id, sentAt] of ledger) if (sentAt < since) ledger.delete(id);
    if (max !== undefined && ledger.size >= max) return false;
    ledger.set(messageId, at);
    this.capLedgers.set(customerId, ledger);
    return true;
  }

  async releaseCapSlot(customerId: string, messageId: string): Promise<void> {
    this.capLedgers.get(customerId)?.delete(messageId);
  }

  async readCapLedger(customerId: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.capLedgers.get(customerId) ?? []);
  }

  async deleteCapLedger(customerId: string): Promise<boolean> {
    return this.capLedgers.delete(customerId);
  }
}
