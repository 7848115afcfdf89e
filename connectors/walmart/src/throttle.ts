import { abortableSleep } from '@switchyard/core';
import { replenishmentAt } from './errors.ts';

/**
 * Walmart throttles each API per seller with a token bucket and says where the bucket stands on every answer:
 * `X-Current-Token-Count` (calls left now) and `X-Next-Replenishment-Time` (when the next token comes). The
 * hub keeps one bucket per connection and operation, filled at the documented rate, and lets Walmart's answer
 * correct it: the count it states replaces the hub's estimate, and an empty bucket holds the operation until
 * the replenishment time. So the pace follows the seller's real limit (a raised one included) without a 429.
 *
 * The documented rates (developer.walmart.com/us-marketplace/docs/throttling, read through a third-party
 * transcription of 2026-07: the page itself was not reachable whole): orders reads 5,000 per minute, order
 * writes (acknowledge, ship, cancel) 60 per minute, inventory updates 200 per minute, token 30 per minute.
 * Released orders and single-order reads are not listed apart: assumed to share the orders read figure.
 */
export type Operation =
  | 'token'
  | 'released-orders'
  | 'orders'
  | 'order'
  | 'acknowledge'
  | 'shipping'
  | 'cancel'
  | 'inventory';

export const PER_MINUTE: Readonly<Record<Operation, number>> = {
  token: 30,
  'released-orders': 5000,
  orders: 5000,
  order: 5000,
  acknowledge: 60,
  shipping: 60,
  cancel: 60,
  inventory: 200,
};

/** Which throttled operation a request is, from its method and path. */
export function operationOf(method: string, url: URL): Operation {
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/v3/token')) return 'token';
  if (path.endsWith('/v3/inventory')) return 'inventory';
  if (path.endsWith('/v3/orders/released')) return 'released-orders';
  if (path.endsWith('/v3/orders')) return 'orders';
  if (method === 'POST' && path.endsWith('/acknowledge')) return 'acknowledge';
  if (method === 'POST' && path.endsWith('/shipping')) return 'shipping';
  if (method === 'POST' && path.endsWith('/cancel')) return 'cancel';
  return 'order';
}

interface Bucket {
  capacity: number;
  /** Tokens per millisecond. */
  rate: number;
  tokens: number;
  at: number;
  /** Walmart said the bucket is empty until then. */
  blockedUntil: number;
}

const buckets = new Map<string, Bucket>();

function bucketOf(key: string, operation: Operation, now: number): Bucket {
  const id = `${key}\u0000${operation}`;
  let bucket = buckets.get(id);
  if (!bucket) {
    const capacity = PER_MINUTE[operation];
    bucket = { capacity, rate: capacity / 60_000, tokens: capacity, at: now, blockedUntil: 0 };
    buckets.set(id, bucket);
  }
  return bucket;
}

function refill(bucket: Bucket, now: number) {
  // Walmart said when its next token comes: from then on there is one, whatever the estimate.
  if (bucket.blockedUntil && now >= bucket.blockedUntil) {
    bucket.blockedUntil = 0;
    bucket.tokens = Math.max(bucket.tokens, 1);
    bucket.at = Math.max(bucket.at, now);
  }
  if (now > bucket.at) {
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.at) * bucket.rate);
    bucket.at = now;
  }
}

/** Waits until the connection's bucket for the operation has a token, and takes it. */
export async function takeToken(
  key: string,
  operation: Operation,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<void> {
  for (;;) {
    const t = now();
    const bucket = bucketOf(key, operation, t);
    refill(bucket, t);
    if (bucket.blockedUntil > t) {
      await abortableSleep(bucket.blockedUntil - t, signal);
      continue;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    await abortableSleep(Math.ceil((1 - bucket.tokens) / bucket.rate), signal);
  }
}

/** Corrects the bucket by Walmart's answer headers (and an empty one after a 429). */
export function observeAnswer(
  key: string,
  operation: Operation,
  answer: { status: number; headers: Headers },
  now: number = Date.now(),
): void {
  const bucket = bucketOf(key, operation, now);
  refill(bucket, now);
  const raw = answer.headers.get('x-current-token-count');
  const count = raw !== null && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
  if (count !== undefined) {
    // Walmart's count is the truth; a seller with a raised limit shows a larger bucket than documented.
    bucket.tokens = count;
    if (count > bucket.capacity) bucket.capacity = count;
  }
  if (count === 0 || answer.status === 429) {
    bucket.tokens = 0;
    const next = replenishmentAt(answer.headers, now);
    if (next !== undefined && next > now) bucket.blockedUntil = Math.max(bucket.blockedUntil, next);
  }
}

/** Forgets every bucket (tests). */
export function forgetBuckets(): void {
  buckets.clear();
}
