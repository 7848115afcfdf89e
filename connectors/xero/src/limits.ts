import type { Budget, RateHeaderReader } from '@switchyard/core';

/**
 * Xero's limits per organisation (tenant) and app (developer.xero.com/faq/limits): 5 calls in progress at once,
 * 60 calls per minute, 5,000 per day; every answer says what is left (`X-MinLimit-Remaining`,
 * `X-DayLimit-Remaining`, `X-AppMinLimit-Remaining`), and a 429 says which limit (`X-Rate-Limit-Problem`) and
 * for how long (`Retry-After`). Kept per process and per tenant (every connection to one organisation shares
 * them, as Xero counts them).
 */
export const CONCURRENT = 5;

/**
 * The pace: at most 10 calls back to back, then 50 a minute. In any minute that is at most 10 + 50 = 60 calls,
 * the organisation's limit, while a posting's few calls (a lookup and a create) go out at once.
 */
export function tenantBudget(tenant: string): Budget & { key: string } {
  return { key: `xero:${tenant}`, perSecond: 50 / 60, burst: 10 };
}

/**
 * `X-MinLimit-Remaining: 0`: the minute is spent (another process or app of the merchant's called too). Hold
 * the organisation for one call's share of the minute; if it is still spent, Xero's 429 then gives the wait.
 */
export const xeroRateHeaders: RateHeaderReader = ({ status, headers }) =>
  status !== 429 && headers.get('x-minlimit-remaining')?.trim() === '0' ? 1000 : undefined;

interface Gate {
  active: number;
  waiting: (() => void)[];
}
const gates = new Map<string, Gate>();

/** Runs `call` when fewer than 5 calls to the tenant are in progress in this process (in call order). */
export async function withinConcurrency<T>(
  tenant: string,
  call: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let gate = gates.get(tenant);
  if (!gate) {
    gate = { active: 0, waiting: [] };
    gates.set(tenant, gate);
  }
  const held = gate;
  // A waiter is handed the place of the call that ends (active is not lowered for it), so a newcomer arriving
  // in between cannot take it too.
  let handed = false;
  if (held.active >= CONCURRENT) {
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', stop);
        handed = true;
        resolve();
      };
      const stop = () => {
        held.waiting.splice(held.waiting.indexOf(go), 1);
        reject(signal!.reason);
      };
      held.waiting.push(go);
      signal?.addEventListener('abort', stop, { once: true });
    });
  }
  if (!handed) held.active++;
  try {
    return await call();
  } finally {
    const next = held.waiting.shift();
    if (next) next();
    else {
      held.active--;
      if (held.active === 0) gates.delete(tenant);
    }
  }
}

/** When each tenant's spent daily limit resets (epoch ms), from Xero's 429. */
const dayLimits = new Map<string, number>();

/** When the tenant's daily limit resets, while it is spent; undefined when calls may go. */
export function dayLimitReset(tenant: string, now: number): number | undefined {
  const at = dayLimits.get(tenant);
  if (at === undefined) return undefined;
  if (at <= now) {
    dayLimits.delete(tenant);
    return undefined;
  }
  return at;
}

/**
 * Reads an answer's limit headers before core's client does. A 429 for the daily limit (by
 * `X-Rate-Limit-Problem`, or `X-DayLimit-Remaining: 0`) records when it resets and loses its `Retry-After`, so
 * that core does not hold every later call for hours: they fail at once, saying when the limit resets.
 */
export function observeLimits(tenant: string, response: Response, now: number): Response {
  if (response.status !== 429) return response;
  const problem = (response.headers.get('x-rate-limit-problem') ?? '').toLowerCase();
  const dayLeft = response.headers.get('x-daylimit-remaining')?.trim();
  if (!problem.includes('day') && !(dayLeft === '0' && !problem)) return response;
  const seconds = Number(response.headers.get('retry-after'));
  // Without a Retry-After the day is assumed to reset within the hour; a call then learns more.
  dayLimits.set(tenant, now + (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 3_600_000));
  const headers = new Headers(response.headers);
  headers.delete('retry-after');
  headers.set('x-rate-limit-problem', 'day');
  return new Response(response.body, { status: 429, statusText: response.statusText, headers });
}

/** Forgets every gate and daily limit (tests). */
export function forgetLimits(): void {
  gates.clear();
  dayLimits.clear();
}
