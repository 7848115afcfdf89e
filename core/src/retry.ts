/**
 * Retries for outbound HTTP: exponential backoff with full jitter, the server's
 * Retry-After honoured, a cap on attempts and on the wait, and the caller's abort
 * signal respected between attempts. Connectors wrap each vendor call in it.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 6). */
  attempts?: number;
  /** First backoff in ms (default 500), doubled each time up to maxDelayMs (default 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest Retry-After honoured (default 10 min); a server asking for more fails the call now. */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Waits; tests pass a fake. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What a failed attempt tells the retry loop. */
export interface RetryVerdict {
  retry: boolean;
  /** The server's Retry-After, in ms, when it sent one. */
  afterMs?: number;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses Retry-After (seconds or an HTTP date) into ms. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry `attempt` (1 for the first retry): `baseMs` doubled each time up to `maxMs`, with jitter
 * so that many callers do not retry in step: full (anywhere from 0) or equal (at least half).
 */
export function backoffMs(
  attempt: number,
  o: { baseMs: number; maxMs: number; jitter?: 'full' | 'equal' },
): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** (attempt - 1));
  return Math.round(
    o.jitter === 'equal' ? ceiling / 2 + (Math.random() * ceiling) / 2 : Math.random() * ceiling,
  );
}

export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  classify: (error: unknown) => RetryVerdict,
  policy: RetryPolicy = {},
): Promise<T> {
  const attempts = policy.attempts ?? 6;
  const base = policy.baseDelayMs ?? 500;
  const max = policy.maxDelayMs ?? 30_000;
  const sleep = policy.sleep ?? abortableSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const verdict = classify(error);
      if (!verdict.retry || n >= attempts || policy.signal?.aborted) throw error;
      // The server's Retry-After is waited in full (retrying earlier only earns another refusal), up to a limit.
      if (verdict.afterMs !== undefined && verdict.afterMs > (policy.maxRetryAfterMs ?? 600_000)) throw error;
      await sleep(Math.max(verdict.afterMs ?? 0, backoffMs(n, { baseMs: base, maxMs: max })), policy.signal);
    }
  }
}
