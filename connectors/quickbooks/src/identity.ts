import { createHash } from 'node:crypto';

/**
 * How a posting is recognised in QuickBooks, twice over:
 * - `requestid` on every create: QuickBooks answers a repeated requestid (per company) with the first answer,
 *   so a retried step cannot create twice while Intuit remembers it. It must be unique per company and at
 *   most 50 characters, so it is derived, not the hub's key itself: base64url(sha256(idempotencyKey NUL part)),
 *   43 characters. `part` tells apart the calls one posting makes ("customer", "document"). Deterministic:
 *   the same step always sends the same ids.
 * - the posting's `key` in the document's PrivateNote (`switchyard <key> · <memo>`): read before write finds
 *   it after Intuit has forgotten the requestid.
 */
export const REQUEST_ID_MAX = 50;

export function requestIdOf(idempotencyKey: string, part: string): string {
  return createHash('sha256').update(`${idempotencyKey}\u0000${part}`).digest('base64url');
}

/** PrivateNote holds at most 4000 characters. */
const PRIVATE_NOTE_MAX = 4000;

export function privateNoteOf(key: string, memo: string): string {
  const note = `switchyard ${key}${memo ? ` · ${memo}` : ''}`;
  return note.length > PRIVATE_NOTE_MAX ? note.slice(0, PRIVATE_NOTE_MAX) : note;
}

/**
 * Whether a PrivateNote names the posting `key`: `switchyard <key>` followed by a space or the end, anywhere
 * in the note (QuickBooks puts "Voided" in front of a voided document's note), so "sale:1" is not "sale:10".
 */
export function namesPosting(note: unknown, key: string): boolean {
  if (typeof note !== 'string') return false;
  const marker = `switchyard ${key}`;
  for (let at = note.indexOf(marker); at >= 0; at = note.indexOf(marker, at + 1)) {
    const before = at === 0 ? ' ' : note[at - 1]!;
    const after = note[at + marker.length];
    if (/\s/.test(before) && (after === undefined || /\s/.test(after))) return true;
  }
  return false;
}

/** DocNumber holds at most 21 characters. */
export const DOC_NUMBER_MAX = 21;

/**
 * The document number QuickBooks shows: the hub's number when it fits, else its last 21 characters (where
 * order numbers differ; the whole number stays in the PrivateNote's memo).
 */
export function docNumberOf(number: string): string {
  const trimmed = number.trim();
  return trimmed.length > DOC_NUMBER_MAX ? trimmed.slice(-DOC_NUMBER_MAX) : trimmed;
}

/**
 * A number for a document the hub numbers none of (a fee): `SY-` and 18 characters of the key's hash, so
 * read before write can query it like the others.
 */
export function derivedDocNumber(key: string): string {
  return `SY-${createHash('sha256')
    .update(key)
    .digest('base64url')
    .slice(0, DOC_NUMBER_MAX - 3)}`;
}
