import type { StepRetry } from './engine.ts';
import { isPermanent } from './errors.ts';

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

/** A workflow step's retry policy with the engines' defaults filled in. */
export interface StepRetryPolicy {
  attempts: number;
  initialDelayMs: number;
  backoff: number;
  /** A PermanentError is never retried; otherwise the step's own rule, or every error. */
  retryable: (error: unknown) => boolean;
}

/** The longest wait between two attempts of a step, whatever its backoff: an hour. */
export const MAX_STEP_RETRY_WAIT_MS = 3_600_000;

/**
 * By default a step rides out a vendor's outage of about an hour (1 s doubling, 12 attempts) before the
 * workflow parks as an exception. The same on every engine.
 */
export function stepRetryPolicy(retry: StepRetry | undefined): StepRetryPolicy {
  return {
    attempts: Math.max(1, retry?.attempts ?? 12),
    initialDelayMs: retry?.initialDelayMs ?? 1000,
    backoff: retry?.backoff ?? 2,
    retryable: (error) => !isPermanent(error) && (retry?.retryable?.(error) ?? true),
  };
}

/** What a step's retry loop tells of a failed attempt: what comes next, and why. */
export interface StepFailure {
  attempt: number;
  attempts: number;
  error: unknown;
  /** The wait before the next attempt; undefined when the step gives up (last attempt, or not retryable). */
  retryInMs?: number;
}

/**
 * Runs a workflow step's attempts inside the step, so that an engine checkpoints the step once, with its
 * result or with the last attempt's own error (not a wrapper of the engine's). Between attempts it waits
 * `initialDelayMs` times `backoff` per attempt so far (at most an hour), and a fired `cancelled` signal (the
 * workflow was cancelled) ends the step at once with the signal's reason instead of another attempt.
 * `cancelled` is asked for only after a failure: an engine that watches for cancellation by polling (DBOS)
 * then watches only steps that are retrying.
 */
export async function retryStep<T>(
  attempt: (n: number) => Promise<T>,
  retry: StepRetry | undefined,
  options: {
    cancelled?: () => AbortSignal | undefined;
    /** Waits between attempts (default: a timer, cut short by the cancel signal). */
    wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
    onFailure?: (failure: StepFailure) => void;
  } = {},
): Promise<T> {
  const policy = stepRetryPolicy(retry);
  const wait = options.wait ?? abortableSleep;
  let signal: AbortSignal | undefined;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || !policy.retryable(error)) {
        options.onFailure?.({ attempt: n, attempts: policy.attempts, error });
        throw error;
      }
      const retryInMs = Math.min(MAX_STEP_RETRY_WAIT_MS, policy.initialDelayMs * policy.backoff ** (n - 1));
      options.onFailure?.({ attempt: n, attempts: policy.attempts, error, retryInMs });
      signal ??= options.cancelled?.();
      if (signal?.aborted) throw signal.reason;
      await wait(retryInMs, signal);
      if (signal?.aborted) throw signal.reason;
    }
  }
}
