import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A sortable, unique id with a type prefix: `ord_01JD…` (ULID layout: 48 bits of
 * milliseconds then 80 random bits, Crockford base32), so ids list in creation order.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(10);
  let bits = 0;
  let value = 0;
  let rest = '';
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      rest += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return `${prefix}_${time}${rest}`;
}

/**
 * A short reference derived from an action's idempotency key (`SY-` and ten hex digits),
 * written into what the action creates on a vendor that has no idempotency key of its
 * own (a note, a memo). The action first looks for its reference and creates only if it
 * is missing, so a retried step (same key) finds its own earlier write.
 */
export function actionReference(idempotencyKey: string): string {
  return `SY-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)}`;
}
