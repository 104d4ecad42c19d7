import type {
  MessageRecord,
  MessageStatus,
  RejectedEvent,
  StatusChange,
} from '../../../functions/app/message-record.ts';
import type {
  ChannelSender,
  InboundReply,
  JourneyStore,
  OutboundMessage,
  SendReceipt,
} from '../../../functions/app/ports.ts';
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
 * A JourneyStore that forwards every call to another; subclasses override the step they break.
 * The production store is untouched: the crash lives in the wrapper, as a dying process would.
 */
export class DelegatingStore implements JourneyStore {
  constructor(protected readonly inner: JourneyStore) {}
  getProfile(customerId: string) {
    return this.inner.getProfile(customerId);
  }
  putProfile(profile: CustomerProfile) {
    return this.inner.putProfile(profile);
  }
  recordRejected(rejected: RejectedEvent) {
    return this.inner.recordRejected(rejected);
  }
  createMessage(record: MessageRecord) {
    return this.inner.createMessage(record);
  }
  claimDedupe(key: string, messageId: string, now: string, expiresAt: string | undefined) {
    return this.inner.claimDedupe(key, messageId, now, expiresAt);
  }
  getMessage(messageId: string) {
    return this.inner.getMessage(messageId);
  }
  transition(
    messageId: string,
    from: ReadonlyArray<MessageStatus>,
    change: StatusChange,
    patch?: Parameters<JourneyStore['transition']>[3],
    claim?: number,
  ) {
    return this.inner.transition(messageId, from, change, patch, claim);
  }
  prepareSend(messageId: string, claim: number, fields: Parameters<JourneyStore['prepareSend']>[2]) {
    return this.inner.prepareSend(messageId, claim, fields);
  }
  recordSent(
    messageId: string,
    claim: number,
    sent: Parameters<JourneyStore['recordSent']>[2],
    options?: Parameters<JourneyStore['recordSent']>[3],
  ) {
    return this.inner.recordSent(messageId, claim, sent, options);
  }
  claimForSending(messageId: string, now: string, leaseUntil: string) {
    return this.inner.claimForSending(messageId, now, leaseUntil);
  }
  findPending(correlationKey: string) {
    return this.inner.findPending(correlationKey);
  }
  countCapSlots(customerId: string, since: string, except?: string) {
    return this.inner.countCapSlots(customerId, since, except);
  }
  reserveCapSlot(customerId: string, messageId: string, at: string, since: string, max?: number) {
    return this.inner.reserveCapSlot(customerId, messageId, at, since, max);
  }
  releaseCapSlot(customerId: string, messageId: string) {
    return this.inner.releaseCapSlot(customerId, messageId);
  }
  applyProviderStatus(messageId: string, report: Parameters<JourneyStore['applyProviderStatus']>[1]) {
    return this.inner.applyProviderStatus(messageId, report);
  }
  findLatestMessageTo(address: string) {
    return this.inner.findLatestMessageTo(address);
  }
  hasReply(replyId: string) {
    return this.inner.hasReply(replyId);
  }
  recordReply(reply: InboundReply) {
    return this.inner.recordReply(reply);
  }
  listMessages(options: { limit: number; cursor?: string }) {
    return this.inner.listMessages(options);
  }
  customerTimeline(customerId: string, limit: number) {
    return this.inner.customerTimeline(customerId, limit);
  }
  listRejected(limit: number) {
    return this.inner.listRejected(limit);
  }
  recordThresholdEvent(...args: Parameters<JourneyStore['recordThresholdEvent']>) {
    return this.inner.recordThresholdEvent(...args);
  }
  countThresholdEvents(counter: string, after: string, until: string) {
    return this.inner.countThresholdEvents(counter, after, until);
  }
  listThresholdEvents(...args: Parameters<JourneyStore['listThresholdEvents']>) {
    return this.inner.listThresholdEvents(...args);
  }
}

/** Dies while recording `sent` (after the provider accepted the message), when armed. */
export class CrashBeforeRecordingSent extends DelegatingStore {
  constructor(
    inner: JourneyStore,
    readonly wire: Tripwire,
  ) {
    super(inner);
  }
  override recordSent(
    messageId: string,
    claim: number,
    sent: Parameters<JourneyStore['recordSent']>[2],
    options?: Parameters<JourneyStore['recordSent']>[3],
  ) {
    if (this.wire.trip()) {
      return Promise.reject(new SimulatedCrash(`died before recording ${messageId} as sent`));
    }
    return super.recordSent(messageId, claim, sent, options);
  }
}

/** Dies while writing a profile, when armed. */
export class CrashOnProfileWrite extends DelegatingStore {
  constructor(
    inner: JourneyStore,
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
