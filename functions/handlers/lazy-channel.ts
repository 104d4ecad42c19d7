import type { ChannelSender } from '../app/ports.ts';

/**
 * A channel built on its first message: the provider SDK (twilio, @sendgrid/*) is imported and its
 * secret read then, not at cold start, so a batch of e-mails never loads twilio and the init phase
 * makes no Secrets Manager call. Concurrent first messages share one load; a failed load (a
 * secret not readable) is not kept, so the next message tries again.
 */
export function lazyChannel(load: () => Promise<ChannelSender>): ChannelSender {
  let loading: Promise<ChannelSender> | undefined;
  return {
    send: async (message) => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return (await loading).send(message);
    },
  };
}
