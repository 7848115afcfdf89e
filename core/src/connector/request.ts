import type { AuthorizedAccess } from './authorization.ts';
/** An inbound HTTP request as the connector sees it: raw bytes, lower-cased header names. */
export interface InboundRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  /** The exact bytes received. Signatures are computed over these, never over re-serialized JSON. */
  body: Uint8Array;
  /** The media type without parameters, lower-cased ("application/json"). */
  contentType: string;
  receivedAt: Date;
}

/** A payload as stored in the inbox; what `normalize` reads (also on replay, long after receipt). */
export type StoredPayload = Omit<InboundRequest, 'method' | 'path'>;

export interface ConnectionContext<Settings, Secrets> {
  tenantId: string;
  connectionId: string;
  settings: Settings;
  secrets: Secrets;
  /** The clock; tests pass a fixed one. */
  now(): Date;
  /**
   * The connection's OAuth grant, for connectors with `authorization` (QuickBooks, Xero): the hub keeps and
   * refreshes it; tests pass their own.
   */
  authorization?: AuthorizedAccess;
}

/** Parses the media type of a Content-Type header: "Application/JSON; charset=utf-8" -> "application/json". */
export function mediaType(contentType: string | undefined | null): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** A payload body as UTF-8 text, without copying the bytes. */
export function bodyText(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** A payload body parsed as a JSON object; undefined when it is not JSON, or JSON but not an object. */
export function jsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bodyText(body));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
