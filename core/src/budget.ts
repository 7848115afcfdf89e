import { abortableSleep } from './retry.ts';

/**
 * Per-connection request budgets: the calls made under one key (a connection id) keep to `perSecond`, with at
 * most `burst` of them back to back after a quiet spell (a GCRA, which is a token bucket kept as one time).
 * Each caller takes its slot before it waits, so concurrent callers queue in order instead of all waking at
 * once. In-process: several hub processes calling one vendor account should split its limit between them.
 */
const nextDue = new Map<string, number>();

export interface Budget {
  perSecond: number;
  /** Calls allowed back to back (default 1: evenly spaced). */
  burst?: number;
}

/** Waits until the key's budget allows one more call (resolves at once when it does). */
export async function withinBudget(key: string, budget: Budget, signal?: AbortSignal): Promise<void> {
  const interval = 1000 / budget.perSecond;
  const tolerance = (Math.max(1, budget.burst ?? 1) - 1) * interval;
  const now = Date.now();
  const due = Math.max(nextDue.get(key) ?? now, now);
  nextDue.set(key, due + interval);
  const wait = due - tolerance - now;
  if (wait > 0) await abortableSleep(wait, signal);
}
