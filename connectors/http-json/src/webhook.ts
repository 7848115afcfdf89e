import { createHash } from 'node:crypto';
import { hmacSha256, safeEqual, type WebhookIntake } from '@switchyard/core';
import { idProblem, parseBody } from './map-order.ts';
import type { Secrets, Settings } from './settings.ts';

export const TIMESTAMP_HEADER = 'x-switchyard-timestamp';
export const SIGNATURE_HEADER = 'x-switchyard-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The signature a sender computes: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${raw body}`). */
export function sign(secret: string, timestamp: number | string, body: Uint8Array | string): string {
  const bytes =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return `sha256=${hmacSha256(secret, Buffer.concat([Buffer.from(`${timestamp}.`), bytes]), 'hex')}`;
}

/** Headers for a signed request, for senders written in TypeScript and for tests. */
export function signedHeaders(
  secret: string,
  body: Uint8Array | string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: sign(secret, timestamp, body),
  };
}

/** An ISO 8601 timestamp as the format takes it: it holds no "@", so the key below splits one way only. */
const KEY_TIME = /^[0-9T:.+\-Z]{1,40}$/i;

export const webhook: WebhookIntake<Settings, Secrets> = {
  auth: 'hmac',
  contentTypes: ['application/json'],
  // The protocol's headers are X-Switchyard-Timestamp, X-Switchyard-Signature (an HMAC of timestamp.body) and
  // Idempotency-Key: none is a credential. A gateway's key in front of the sender (X-Api-Key, Authorization) is on
  // the hub's common list.
  credentialHeaders: [],
  verify(request, { secrets, settings, now }) {
    const timestamp = request.headers[TIMESTAMP_HEADER];
    const signature = request.headers[SIGNATURE_HEADER];
    if (!timestamp || !signature) {
      return {
        ok: false,
        reason: `missing ${!timestamp ? 'X-Switchyard-Timestamp' : 'X-Switchyard-Signature'} header`,
      };
    }
    if (!/^\d{1,12}$/.test(timestamp))
      return { ok: false, reason: 'X-Switchyard-Timestamp must be unix seconds' };
    const skew = Math.abs(now().getTime() / 1000 - Number(timestamp));
    if (skew > settings.toleranceSeconds) {
      return {
        ok: false,
        reason: `timestamp is ${Math.round(skew)} s from the hub's clock (tolerance ${settings.toleranceSeconds} s): resend with a fresh timestamp and check the sender's clock`,
      };
    }
    const candidates = [secrets.signingSecret, secrets.previousSigningSecret].filter((s): s is string => !!s);
    const given = signature.trim().toLowerCase();
    const matched = candidates.map((s) => safeEqual(sign(s, timestamp, request.body), given)).includes(true);
    return matched ? { ok: true } : { ok: false, reason: 'signature does not match the body and timestamp' };
  },
  dedupeKey(request) {
    const explicit = request.headers[IDEMPOTENCY_HEADER]?.trim();
    // The header is not covered by the signature, so the key is bound to the body it came with:
    // a replayed body cannot claim the key of a delivery still to come.
    if (explicit) return `key:${explicit}#${createHash('sha256').update(request.body).digest('hex')}`;
    try {
      const body = parseBody(request.body) as { id?: unknown; updatedAt?: unknown };
      // Without updatedAt two states of one order would share a key, and an id that does not name exactly one
      // order would share it with another: the hub then keys by the body's hash.
      if (!idProblem(body.id) && typeof body.updatedAt === 'string' && KEY_TIME.test(body.updatedAt)) {
        return 'orders' in body ? undefined : `order:${String(body.id)}@${body.updatedAt}`;
      }
    } catch {
      // malformed: the hub falls back to a hash of the body
    }
    return undefined;
  },
};
