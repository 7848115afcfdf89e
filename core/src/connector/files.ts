import type { Problem } from '../errors.ts';
import type { Sql } from '../store/db.ts';
import type { AnyConnector } from './define.ts';

/** A file a partner sent, as a connector's file intake receives it. */
export interface InboundFile {
  body: Uint8Array;
  /** The file's name on SFTP, or the request path. */
  name: string;
  via: 'http' | 'sftp';
  receivedAt: Date;
  /** The request's headers, credentials left out (HTTP only). */
  headers?: Record<string, string>;
}

/** The connection a file arrived for, with the settings and secrets its connector's schemas checked. */
export interface FileConnection<Settings, Secrets> {
  id: string;
  tenantId: string;
  connector: AnyConnector;
  settings: Settings;
  secrets: Secrets;
}

/** What the intake of one file did: the exceptions it opened, and the answer for a sender over HTTP. */
export interface FileReceipt {
  exceptions: readonly string[];
  answer: { status: 200 | 202; body: unknown } | { problem: Problem };
}

/**
 * Receiving a partner's files (`files.inbound`): the hub routes `POST /edi/:connectionId` and the connection's
 * SFTP polling here. The connector stores the raw file first and owns everything after (its own tables,
 * acknowledgments), which is why it gets the store.
 */
export interface FileIntake<Settings, Secrets> {
  /** Media types a file may be posted with ('' for none sent); another is answered 415. */
  contentTypes: readonly string[];
  /** The sender's answers in the connector's words. */
  words: {
    /** What one file is: "X12 file". */
    file: string;
    /** The 415's detail, before `, not "<type>"`: "an X12 file is sent as application/edi-x12 (or text/plain)". */
    sentAs: string;
    /** The media type the 415 tells the sender to use. */
    contentType: string;
  };
  /** The bearer token a sender over HTTP must present (compared by the hub in constant time). */
  inboundToken(secrets: Secrets): string;
  receive(
    sql: Sql,
    connection: FileConnection<Settings, Secrets>,
    file: InboundFile,
    now?: () => Date,
  ): Promise<FileReceipt>;
}

/** The connector's file intake when it declares `files.inbound` (the hub routes files by this), else undefined. */
export function fileIntakeOf(connector: AnyConnector): FileIntake<unknown, unknown> | undefined {
  return connector.capabilities.includes('files.inbound') ? connector.files : undefined;
}
