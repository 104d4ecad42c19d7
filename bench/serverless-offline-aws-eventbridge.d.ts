/**
 * The part of `serverless-offline-aws-eventbridge` (2.2.4, CommonJS, ships no types) that the
 * matching benchmark calls. Its pattern matching is not exported as a function: it is methods of
 * the plugin class (`dist/src/index.js`), so the benchmark builds the plugin and calls
 * `verifyIsSubscribed` exactly as the plugin's own `invokeSubscribers` does for each entry.
 */
declare module 'serverless-offline-aws-eventbridge' {
  namespace ServerlessOfflineAwsEventBridgePlugin {
    /** A `PutEvents` entry as the plugin receives it: `Detail` is the JSON text. */
    interface PeerEntry {
      Source: string;
      DetailType: string;
      Detail: string;
      EventBusName?: string;
    }

    /** A function's `eventBridge` event from serverless.yml: only `pattern` matters here. */
    interface PeerSubscriber {
      functionKey: string;
      event: { pattern: Record<string, unknown>; eventBus?: string };
    }
  }

  class ServerlessOfflineAwsEventBridgePlugin {
    constructor(serverless: unknown, options: unknown, logging: { log: { notice(message: string): void } });
    verifyIsSubscribed(
      subscriber: ServerlessOfflineAwsEventBridgePlugin.PeerSubscriber,
      entry: ServerlessOfflineAwsEventBridgePlugin.PeerEntry,
    ): boolean;
  }

  export = ServerlessOfflineAwsEventBridgePlugin;
}
