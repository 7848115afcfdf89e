import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLoop, type TurnOutcome } from './loop.ts';

/** A promise resolved from outside, for a turn the test holds open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('startLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('runs a turn at once, then every everyMs; at once on "again", at the time a turn names', async () => {
    const outcomes: TurnOutcome[] = [undefined, 'again', { nextInMs: 500 }];
    let turns = 0;
    const loop = startLoop({
      everyMs: 100,
      turn: async () => outcomes[turns++],
      onError: () => {},
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(turns).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(turns).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(turns).toBe(2); // it says 'again'
    await vi.advanceTimersByTimeAsync(1);
    expect(turns).toBe(3); // at once, not a turn later; it names 500 ms
    await vi.advanceTimersByTimeAsync(480);
    expect(turns).toBe(3);
    await vi.advanceTimersByTimeAsync(40);
    expect(turns).toBe(4);
    await loop.stop();
  });

  it('never runs two turns at once: a nudge during a turn runs the next right after it, a nudge between turns at once', async () => {
    let running = 0;
    let most = 0;
    let turns = 0;
    const held = gate();
    const loop = startLoop({
      everyMs: 10_000,
      turn: async () => {
        running++;
        most = Math.max(most, running);
        turns++;
        if (turns === 1) await held.opened;
        running--;
      },
      onError: () => {},
    });
    await vi.advanceTimersByTimeAsync(0);
    loop.nudge();
    loop.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(turns).toBe(1);
    held.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(turns).toBe(2);
    loop.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(turns).toBe(3);
    expect(most).toBe(1);
    await loop.stop();
  });

  it('stop aborts the turn in flight and waits for it; no turn runs after', async () => {
    let turns = 0;
    let ended = false;
    const loop = startLoop({
      everyMs: 50,
      turn: async (signal) => {
        turns++;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        await Promise.resolve();
        ended = true;
      },
      onError: () => {},
    });
    await vi.advanceTimersByTimeAsync(0);
    await loop.stop();
    expect(ended).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(turns).toBe(1);
  });

  it('stop during the pause between turns ends the loop without waiting for the pause', async () => {
    let turns = 0;
    const loop = startLoop({ everyMs: 3_600_000, turn: async () => void turns++, onError: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    await loop.stop(); // with fake timers, a stop that waited for the hour would never resolve
    expect(turns).toBe(1);
  });

  it('backs off while turns keep failing, from everyMs up to the cap, and starts over after a success', async () => {
    const failed: { failures: number; retryInMs: number }[] = [];
    let turns = 0;
    const loop = startLoop({
      everyMs: 100,
      maxBackoffMs: 1_000,
      turn: async () => {
        turns++;
        if (turns <= 6 || turns === 8) throw new Error(`turn ${turns} failed`);
      },
      onError: (_error, f) => failed.push(f),
    });
    for (let i = 0; i < 8; i++) await vi.advanceTimersByTimeAsync(1_000);
    await loop.stop();
    expect(failed.map((f) => f.failures)).toEqual([1, 2, 3, 4, 5, 6, 1]);
    const [first, second, third, , , sixth, again] = failed.map((f) => f.retryInMs);
    expect(first).toBe(100); // the first failure waits a turn, as before
    expect(second).toBeGreaterThanOrEqual(100);
    expect(second).toBeLessThanOrEqual(200);
    expect(third).toBeGreaterThanOrEqual(200);
    expect(third).toBeLessThanOrEqual(400);
    expect(sixth).toBeGreaterThanOrEqual(500);
    expect(sixth).toBeLessThanOrEqual(1_000);
    expect(again).toBe(100);
  });

  it('reports the error itself, not one raised while stopping, and survives a logger that throws', async () => {
    const errors: unknown[] = [];
    let turns = 0;
    const loop = startLoop({
      everyMs: 10,
      turn: async (signal) => {
        turns++;
        if (turns <= 2) throw new Error(`broken ${turns}`);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        throw new Error('aborted by stop');
      },
      onError: (error) => {
        errors.push(error);
        throw new Error('the logger is broken too');
      },
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(turns).toBe(3);
    await loop.stop();
    expect(errors.map((e) => (e as Error).message)).toEqual(['broken 1', 'broken 2']);
  });

  it('does not keep the process alive with its timers', async () => {
    vi.useRealTimers();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const paused = gate();
    const loop = startLoop({
      everyMs: 60_000,
      turn: async () => {
        queueMicrotask(() => setImmediate(paused.open));
      },
      onError: () => {},
    });
    await paused.opened;
    const timers = setTimeoutSpy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(timers.length).toBeGreaterThan(0);
    expect(timers.every((t) => !t.hasRef())).toBe(true);
    await loop.stop();
  });
});
