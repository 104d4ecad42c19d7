import type { ChannelSender } from '../app/ports.ts';

/**
 * A value built on first use instead of at cold start: concurrent first callers share one load;
 * a failed load (a secret not readable) is not kept, so the next call tries again.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

/**
 * A channel built on its first message: the provider SDK (twilio, @sendgrid/*) is imported and its
 * secret read then, not at cold start, so a batch of e-mails never loads twilio and the init phase
 * makes no Secrets Manager call. Concurrent first messages share one load; a failed load (a
 * secret not readable) is not kept, so the next message tries again.
 */
export function lazyChannel(load: () => Promise<ChannelSender>): ChannelSender {
  const sender = loadOnce(load);
  return { send: async (message) => (await sender()).send(message) };
}
