/** One raw record a pull fetched; the hub stores it in the inbox and normalizes it like a webhook delivery. */
export interface PulledRecord {
  /** Resource id + modification time, so a record already received by webhook is not stored twice. */
  dedupeKey: string;
  body: Uint8Array;
  contentType: string;
  /** Headers `normalize` relies on (a topic, an API version), as the vendor's webhook would send them. */
  headers?: Readonly<Record<string, string>>;
}

export interface PullPage {
  records: PulledRecord[];
  /**
   * Where the next page starts. The hub persists it after the page's records are
   * committed, so an interrupted sync resumes here; null when caught up.
   */
  cursor: string | null;
  /**
   * The latest modification time this sync has covered so far (ISO 8601). When the
   * last page is stored, the hub keeps it as the watermark the next sync starts from.
   */
  watermark?: string;
  /** Records still to come after this page, when the vendor says (for progress and ETA). */
  remaining?: number;
  /** What the pull is doing when a page carries no records, e.g. waiting for the vendor's export. */
  status?: string;
}

export interface PullRequest {
  /** Records modified at or after this time (the connection's watermark). */
  since?: Date;
  /** Resume point from a previous, interrupted sync. */
  cursor?: string;
  /** Aborted on shutdown: stop between pages. */
  signal: AbortSignal;
  /**
   * A one-off import of history (`switchyard backfill`) rather than a scheduled catch-up: a connector may
   * use the vendor's bulk export for it. Its cursor must then say which way it was pulling.
   */
  backfill?: boolean;
}
