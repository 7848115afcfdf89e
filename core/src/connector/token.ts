import { createHash, timingSafeEqual } from 'node:crypto';
import type { InboundRequest } from './request.ts';
import type { VerifyResult } from './webhook.ts';

/**
 * The check of a `token` webhook: the shared token in `header` equals the connection's. Both sides are hashed
 * first, so the compare takes the same time whatever the lengths and wherever they differ.
 */
export function checkToken(request: InboundRequest, header: string, expected: string): VerifyResult {
  const presented = request.headers[header.toLowerCase()];
  if (presented === undefined || presented === '') {
    return { ok: false, reason: `no ${header} header: the sender must present the connection's token in it` };
  }
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return expected !== '' && timingSafeEqual(digest(presented), digest(expected))
    ? { ok: true }
    : { ok: false, reason: `the ${header} header does not hold this connection's token` };
}
