/**
 * The part of the `dynalite` package (CommonJS, no bundled types) that the fallback uses: its
 * default export builds an `http.Server` that speaks the DynamoDB API from a LevelDB store.
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of `dynalite()`; the package's own JSDoc lists the rest (ssl, verbose, …). */
  interface DynaliteOptions {
    /** Folder of the LevelDB store; in memory when absent. */
    path?: string;
    /** How long a new table stays CREATING, in ms (default 500). */
    createTableMs?: number;
    /** How long a deleted table stays DELETING, in ms (default 500). */
    deleteTableMs?: number;
    /** How long an updated table stays UPDATING, in ms (default 500). */
    updateTableMs?: number;
  }

  /** A DynamoDB API server, not listening yet; its `close()` also closes the store. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
