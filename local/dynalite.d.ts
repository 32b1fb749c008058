// dynalite ships no type declarations; this covers the part the embedded runtime uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of the in-memory DynamoDB emulator (see dynalite's README). */
  interface DynaliteOptions {
    /** Time tables stay in CREATING; 0 makes CreateTable effectively synchronous. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    /** LevelDB directory; in memory when omitted. */
    path?: string;
  }

  /** Builds (does not start) an HTTP server speaking the DynamoDB JSON protocol. */
  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
