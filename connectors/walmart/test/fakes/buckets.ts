/**
 * The fake's throttling, as Walmart describes its own: a token bucket per operation, its size the operation's
 * calls per minute, refilled evenly over the minute; every answer says `X-Current-Token-Count` (tokens left) and
 * `X-Next-Replenishment-Time` (epoch ms of the next token), and a call finding it empty is answered 429.
 * `scale` runs the limits faster or slower (0.01: a hundredth of the documented rates, and bucket).
 */
export type FakeOperation =
  | 'token'
  | 'released-orders'
  | 'orders'
  | 'order'
  | 'acknowledge'
  | 'shipping'
  | 'cancel'
  | 'inventory';

/** Calls per minute, as documented (see the connector's throttle.ts for the sources). */
export const DOCUMENTED: Readonly<Record<FakeOperation, number>> = {
  token: 30,
  'released-orders': 5000,
  orders: 5000,
  order: 5000,
  acknowledge: 60,
  shipping: 60,
  cancel: 60,
  inventory: 200,
};

interface Bucket {
  capacity: number;
  perMs: number;
  tokens: number;
  at: number;
}

export function fakeBuckets(scale = 1, now: () => number = Date.now) {
  const buckets = new Map<FakeOperation, Bucket>();
  const bucket = (op: FakeOperation) => {
    let b = buckets.get(op);
    if (!b) {
      const capacity = Math.max(1, Math.round(DOCUMENTED[op] * scale));
      b = { capacity, perMs: capacity / 60_000, tokens: capacity, at: now() };
      buckets.set(op, b);
    }
    const t = now();
    b.tokens = Math.min(b.capacity, b.tokens + (t - b.at) * b.perMs);
    b.at = t;
    return b;
  };
  const headers = (b: Bucket) => ({
    'X-Current-Token-Count': String(Math.floor(b.tokens)),
    'X-Next-Replenishment-Time': String(Math.ceil(now() + (1 - (b.tokens % 1)) / b.perMs)),
  });
  return {
    /** Takes a token: the headers to answer with, and whether the call is refused (429). */
    take(op: FakeOperation): { refused: boolean; headers: Record<string, string> } {
      const b = bucket(op);
      if (b.tokens < 1) return { refused: true, headers: headers(b) };
      b.tokens -= 1;
      return { refused: false, headers: headers(b) };
    },
    capacity: (op: FakeOperation) => bucket(op).capacity,
    perMinute: (op: FakeOperation) => bucket(op).capacity,
  };
}
