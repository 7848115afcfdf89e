import { abortableSleep } from '@switchyard/core';

/**
 * The SP-API's rate limits: a token bucket per operation and selling partner (Amazon's own algorithm), refilled at
 * the operation's rate up to its burst. The rates start at the usage plans the models document and follow the
 * `x-amzn-RateLimit-Limit` header of Amazon's answers (a seller may have been granted more, or less); a 429 says
 * the bucket at Amazon is empty, so the next call waits one restore interval.
 */
export type Operation =
  | 'searchOrders'
  | 'getOrder'
  | 'confirmShipment'
  | 'getListingsItem'
  | 'patchListingsItem';

export interface UsagePlan {
  /** Requests restored per second. */
  rate: number;
  /** Requests allowed back to back from a full bucket. */
  burst: number;
}

/**
 * Default usage plans (amzn/selling-partner-api-models: orders_2026-01-01.json, ordersV0.json,
 * listingsItems_2021-08-01.json). searchOrders restores one request every 180 s after its burst of 20: it is the
 * binding limit of a backfill.
 */
export const USAGE_PLANS: Readonly<Record<Operation, UsagePlan>> = {
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  confirmShipment: { rate: 2, burst: 10 },
  getListingsItem: { rate: 5, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
};

/** Amazon's sandbox answers every operation at 5 requests/s, burst 15. */
export const SANDBOX_PLAN: UsagePlan = { rate: 5, burst: 15 };

/** The bucket's next token is further off than the caller may wait. */
export class TooLongWait extends Error {
  override name = 'TooLongWait';
  constructor(readonly waitMs: number) {
    super(`the next token comes in ${Math.ceil(waitMs / 1000)} s`);
  }
}

export class TokenBucket {
  #tokens: number;
  #at: number;
  #rate: number;
  readonly burst: number;

  constructor(
    plan: UsagePlan,
    private readonly now: () => number = Date.now,
  ) {
    this.#rate = plan.rate;
    this.burst = plan.burst;
    this.#tokens = plan.burst;
    this.#at = now();
  }

  get rate(): number {
    return this.#rate;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
  }

  /**
   * Takes one token, and answers how long to wait before using it: 0 while the bucket holds one. Callers reserve
   * in turn (the count may go below zero), so concurrent callers are spaced instead of waking together. A wait
   * carries a margin of 1% of the interval (at most 50 ms) against the two clocks' rounding.
   */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    const interval = 1000 / this.#rate;
    return Math.ceil(-this.#tokens * interval + Math.min(50, interval / 100));
  }

  /**
   * Waits for a token; one given up (aborted while waiting) goes back into the bucket. A wait longer than
   * `maxWaitMs` is not begun: the token goes back and `TooLongWait` says how long it would have been.
   */
  async take(signal?: AbortSignal, maxWaitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0) return;
    if (wait > maxWaitMs) {
      this.#tokens += 1;
      throw new TooLongWait(wait);
    }
    try {
      await abortableSleep(wait, signal);
    } catch (error) {
      this.#tokens += 1;
      throw error;
    }
  }

  /** Amazon stated the operation's rate (`x-amzn-RateLimit-Limit`): tokens restore at it from now on. */
  setRate(rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0 || rate === this.#rate) return;
    this.#refill();
    this.#rate = rate;
  }

  /** Amazon answered 429: its bucket is empty, whatever this one counted. */
  drained(): void {
    this.#refill();
    this.#tokens = Math.min(this.#tokens, 0);
  }
}

const buckets = new Map<string, TokenBucket>();

/**
 * The bucket of one operation for one connection (a selling partner), shared by every client made for it in this
 * process. Several hub processes calling one seller share Amazon's bucket: the 429s they meet drain theirs.
 */
export function bucketFor(connectionId: string, operation: Operation, sandbox: boolean): TokenBucket {
  const key = `${connectionId}\u0000${operation}\u0000${sandbox ? 'sandbox' : 'production'}`;
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = new TokenBucket(sandbox ? SANDBOX_PLAN : USAGE_PLANS[operation]);
    buckets.set(key, bucket);
  }
  return bucket;
}

/** The rate an answer states for its operation (`x-amzn-RateLimit-Limit: 0.0056`), or undefined. */
export function statedRate(headers: Headers): number | undefined {
  const value = Number(headers.get('x-amzn-ratelimit-limit'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
