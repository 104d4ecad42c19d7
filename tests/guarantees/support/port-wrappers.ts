import type { MessageRecord, MessageStatus, StatusChange } from '../../../functions/app/message-record.ts';
import type {
  ClaimOptions,
  MessageStore,
  ProviderReport,
  SendFields,
  SentReceipt,
  TransitionPatch,
} from '../../../functions/app/ports/messages.ts';
import type { ProfileStore } from '../../../functions/app/ports/profiles.ts';
import type { ChannelSender, OutboundMessage, SendReceipt } from '../../../functions/app/ports.ts';
import type { CustomerProfile } from '../../../functions/core/customers/customer-profile.ts';

/** The error a wrapper throws where the process would have died. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** Armed N times; each {@link trip} while armed fires once. */
export class Tripwire {
  private armed = 0;
  fired = 0;

  arm(times = 1): void {
    this.armed += times;
  }

  /** True (and disarmed by one) when armed. */
  trip(): boolean {
    if (this.armed === 0) return false;
    this.armed--;
    this.fired++;
    return true;
  }
}

/**
 * A MessageStore that forwards every call to another; subclasses override the step they break.
 * The production store is untouched: the crash lives in the wrapper, as a dying process would.
 */
class DelegatingMessages implements MessageStore {
  constructor(protected readonly inner: MessageStore) {}
  createMessage(record: MessageRecord) {
    return this.inner.createMessage(record);
  }
  getMessage(messageId: string) {
    return this.inner.getMessage(messageId);
  }
  transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch?: TransitionPatch,
    claim?: number,
  ) {
    return this.inner.transition(messageId, from, change, patch, claim);
  }
  prepareSend(messageId: string, claim: number, fields: SendFields) {
    return this.inner.prepareSend(messageId, claim, fields);
  }
  recordSent(messageId: string, claim: number, sent: SentReceipt, options?: { shed?: boolean }) {
    return this.inner.recordSent(messageId, claim, sent, options);
  }
  markSent(claimed: MessageRecord, sent: SentReceipt, options?: { shed?: boolean }) {
    return this.inner.markSent(claimed, sent, options);
  }
  claimForSending(messageId: string, now: string, leaseUntil: string, options?: ClaimOptions) {
    return this.inner.claimForSending(messageId, now, leaseUntil, options);
  }
  applyProviderStatusFound(messageId: string, report: ProviderReport) {
    return this.inner.applyProviderStatusFound(messageId, report);
  }
  findPending(correlationKey: string) {
    return this.inner.findPending(correlationKey);
  }
  applyProviderStatus(messageId: string, report: ProviderReport) {
    return this.inner.applyProviderStatus(messageId, report);
  }
  findLatestMessageTo(address: string) {
    return this.inner.findLatestMessageTo(address);
  }
  deleteMessage(messageId: string, now: string) {
    return this.inner.deleteMessage(messageId, now);
  }

  findMessagesSentTo(address: string, since: string, limit: number) {
    return this.inner.findMessagesSentTo(address, since, limit);
  }
}

/** A ProfileStore that forwards every call to another; subclasses override the step they break. */
export class DelegatingProfiles implements ProfileStore {
  constructor(protected readonly inner: ProfileStore) {}
  getProfile(customerId: string) {
    return this.inner.getProfile(customerId);
  }
  putProfile(profile: CustomerProfile) {
    return this.inner.putProfile(profile);
  }
  deleteProfile(customerId: string) {
    return this.inner.deleteProfile(customerId);
  }
}

/** Dies while recording `sent` (after the provider accepted the message), when armed. */
export class CrashBeforeRecordingSent extends DelegatingMessages {
  constructor(
    inner: MessageStore,
    readonly wire: Tripwire,
  ) {
    super(inner);
  }
  override recordSent(messageId: string, claim: number, sent: SentReceipt, options?: { shed?: boolean }) {
    if (this.wire.trip()) {
      return Promise.reject(new SimulatedCrash(`died before recording ${messageId} as sent`));
    }
    return super.recordSent(messageId, claim, sent, options);
  }
  override markSent(claimed: MessageRecord, sent: SentReceipt, options?: { shed?: boolean }) {
    if (this.wire.trip()) {
      return Promise.reject(new SimulatedCrash(`died before recording ${claimed.messageId} as sent`));
    }
    return super.markSent(claimed, sent, options);
  }
}

/** Dies while writing a profile, when armed. */
export class CrashOnProfileWrite extends DelegatingProfiles {
  constructor(
    inner: ProfileStore,
    readonly wire: Tripwire,
  ) {
    super(inner);
  }
  override putProfile(profile: CustomerProfile) {
    if (this.wire.trip())
      return Promise.reject(new SimulatedCrash(`died before writing profile ${profile.id}`));
    return super.putProfile(profile);
  }
}

/** Dies before handing the message to the provider, when armed; counts calls that went through. */
export class CrashBeforeProvider implements ChannelSender {
  calls = 0;
  constructor(
    private readonly inner: ChannelSender,
    readonly wire: Tripwire,
  ) {}
  async send(message: OutboundMessage): Promise<SendReceipt> {
    if (this.wire.trip())
      throw new SimulatedCrash(`died before calling the provider for ${message.messageId}`);
    this.calls++;
    return this.inner.send(message);
  }
}
