import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withinBudget } from './budget.ts';

describe('withinBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through at once, then spaces the calls of one key by its rate, in the order they came', async () => {
    const done: string[] = [];
    const calls = ['a', 'b', 'c', 'd'].map((name) =>
      withinBudget('conn-1', { perSecond: 10, burst: 2 }, undefined).then(() => done.push(name)),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toEqual(['a', 'b', 'c']);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(calls);
    expect(done).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps keys apart, and gives up waiting when the caller aborts', async () => {
    await withinBudget('conn-2', { perSecond: 1 });
    let other = false;
    const otherKey = withinBudget('conn-3', { perSecond: 1 }).then(() => (other = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(other).toBe(true);
    await otherKey;
    const stop = new AbortController();
    const waiting = withinBudget('conn-2', { perSecond: 1 }, stop.signal);
    stop.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
