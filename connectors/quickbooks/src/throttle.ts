import type { Budget } from '@switchyard/core';

/**
 * QuickBooks Online's limits, per company (realm) and app: 500 requests a minute, 10 a second, 10 at once
 * (developer.intuit.com › Learn › REST API features; the batch endpoint, unused here, allows 40 a minute).
 * The pace is one request budget per realm (core's `withinBudget`, a GCRA): 490 a minute spread evenly
 * (one every 122 ms, which is also under 10 a second) with at most 10 back to back after a quiet spell, so
 * that no minute holds more than 500. The
 * concurrency is a gate per realm below. Both are per process: several hub processes posting to one company
 * share Intuit's limit, and a 429 (answered with a 60 s pause) covers what they overrun together.
 */
export interface RealmLimits {
  perMinute: number;
  /** Calls allowed back to back after a quiet spell. */
  burst: number;
  /** Calls in flight at once. */
  concurrent: number;
}

export const QUICKBOOKS_LIMITS: Readonly<RealmLimits> = { perMinute: 500, burst: 10, concurrent: 10 };

/**
 * The request budget of one realm's calls, for core's client. The burst comes out of the minute's allowance:
 * a budget of 500 a minute plus a burst of 10 would let 510 through the first minute, and the 429 that earns
 * costs a 60 s pause (measured over 300 postings: 0.60 of the bound before, 0.99 spaced within it).
 */
export function realmBudget(key: string, limits: RealmLimits): Budget & { key: string } {
  return { key, perSecond: (limits.perMinute - limits.burst) / 60, burst: limits.burst };
}

interface Gate {
  active: number;
  waiting: (() => void)[];
}

const gates = new Map<string, Gate>();

/**
 * Waits until fewer than `limit` calls of the realm are in flight, and takes a place; the answer releases it.
 * Waiters are served in order. An abort while waiting leaves the queue without taking a place.
 */
export async function enterGate(key: string, limit: number, signal?: AbortSignal): Promise<() => void> {
  let gate = gates.get(key);
  if (!gate) {
    gate = { active: 0, waiting: [] };
    gates.set(key, gate);
  }
  const g = gate;
  if (g.active >= limit) {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = g.waiting.indexOf(admit);
        if (at >= 0) g.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      g.waiting.push(admit);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  } else {
    g.active += 1;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = g.waiting.shift();
    // The place passes straight to the next waiter: `active` stays, so no newcomer slips in between.
    if (next) next();
    else g.active -= 1;
  };
}

/** Calls of the realm in flight now (tests). */
export function inFlight(key: string): number {
  return gates.get(key)?.active ?? 0;
}
