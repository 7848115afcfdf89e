/**
 * Reading a vendor's rate headers: how long the connection should hold its next call. A connector passes its
 * own reader when its vendor has a dialect (Shopify's `X-Shopify-Shop-Api-Call-Limit: 39/40`, Amazon's
 * `x-amzn-RateLimit-Limit`); `standardRateHeaders` reads the common ones.
 */
export interface RateAnswer {
  status: number;
  headers: Headers;
}

/** Milliseconds the connection should wait before its next call, or undefined when the headers say nothing. */
export type RateHeaderReader = (answer: RateAnswer, now: number) => number | undefined;

/**
 * `RateLimit-Remaining` / `RateLimit-Reset` (IETF draft) and `X-RateLimit-Remaining` / `X-RateLimit-Reset`
 * (GitHub, many others): when nothing remains, wait until the reset. A reset above ten years of seconds is an
 * epoch time in seconds (GitHub's), otherwise seconds from now.
 */
export const standardRateHeaders: RateHeaderReader = ({ headers }, now) => {
  const remaining = headers.get('ratelimit-remaining') ?? headers.get('x-ratelimit-remaining');
  const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset');
  if (remaining === null || reset === null || Number(remaining) > 0) return undefined;
  const value = Number(reset);
  if (!Number.isFinite(value) || value < 0) return undefined;
  return value > 315_360_000 ? Math.max(0, value * 1000 - now) : Math.round(value * 1000);
};

/**
 * When each connection (its budget key) may call again, as the vendor's rate headers or a Retry-After said.
 * Kept per process, like the request budgets: every client of one connection honours it.
 */
const holdUntil = new Map<string, number>();

export function holdConnection(key: string, until: number): void {
  if (until > (holdUntil.get(key) ?? 0)) holdUntil.set(key, until);
}

/** How long the connection must still wait (0 when it may call now). */
export function heldFor(key: string, now: number): number {
  const until = holdUntil.get(key);
  if (until === undefined) return 0;
  if (until <= now) {
    holdUntil.delete(key);
    return 0;
  }
  return until - now;
}
