import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of the raw bytes, in the encoding the vendor uses. */
export function hmacSha256(
  secret: string | Uint8Array,
  data: string | Uint8Array,
  encoding: 'hex' | 'base64',
): string {
  return createHmac('sha256', secret).update(data).digest(encoding);
}

/** Constant-time string comparison; unequal lengths compare unequal without an early exit on content. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
