import { describe, expect, it } from 'vitest';
import { PermanentError } from './errors.ts';
import { retryStep, type StepFailure } from './retry.ts';

/** The retry loop both engines run inside a step, so the engine checkpoints the step once. */
describe('retryStep', () => {
  const waits: number[] = [];
  const wait = async (ms: number) => void waits.push(ms);

  it('waits the first delay times the backoff per attempt, and answers the attempt that succeeded', async () => {
    waits.length = 0;
    const seen: number[] = [];
    const result = await retryStep(
      async (n) => {
        seen.push(n);
        if (n < 4) throw new Error(`503 on attempt ${n}`);
        return 'captured';
      },
      { attempts: 5, initialDelayMs: 100, backoff: 3 },
      { wait },
    );
    expect(result).toBe('captured');
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([100, 300, 900]);
  });

  it('fails with the last attempt’s own error, of its own class, telling each failure and what comes next', async () => {
    class CarrierRefusal extends Error {}
    const told: StepFailure[] = [];
    const failure = await retryStep(
      async (n) => {
        throw new CarrierRefusal(`the carrier refused the address (attempt ${n})`);
      },
      { attempts: 3, initialDelayMs: 10 },
      { wait, onFailure: (f) => told.push(f) },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CarrierRefusal);
    expect((failure as Error).message).toBe('the carrier refused the address (attempt 3)');
    expect(told.map((f) => [f.attempt, f.attempts, f.retryInMs])).toEqual([
      [1, 3, 10],
      [2, 3, 20],
      [3, 3, undefined],
    ]);
  });

  it('never retries a PermanentError, nor an error the step’s rule refuses', async () => {
    let runs = 0;
    await expect(
      retryStep(
        async () => {
          runs++;
          throw new PermanentError('the card was declined');
        },
        { attempts: 5 },
        { wait },
      ),
    ).rejects.toThrow('the card was declined');
    expect(runs).toBe(1);
    await expect(
      retryStep(
        async () => {
          runs++;
          throw new Error('422 unprocessable');
        },
        { attempts: 5, retryable: (e) => !String(e).includes('422') },
        { wait },
      ),
    ).rejects.toThrow('422 unprocessable');
    expect(runs).toBe(2);
  });

  it('caps a wait at an hour', async () => {
    waits.length = 0;
    await retryStep(
      async (n) => {
        if (n < 3) throw new Error('down');
        return n;
      },
      { attempts: 3, initialDelayMs: 3_000_000, backoff: 10 },
      { wait },
    );
    expect(waits).toEqual([3_000_000, 3_600_000]);
  });

  it('ends at once with the cancel signal’s reason: during the wait, and before another attempt', async () => {
    const cancel = new AbortController();
    let asked = 0;
    let runs = 0;
    const cancelled = new Error('workflow order-9 has been cancelled');
    const running = retryStep(
      async () => {
        runs++;
        throw new Error('503');
      },
      { attempts: 10, initialDelayMs: 60_000 },
      {
        cancelled: () => {
          asked++;
          return cancel.signal;
        },
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    cancel.abort(cancelled);
    await expect(running).rejects.toBe(cancelled);
    expect(runs).toBe(1);
    // Asked for once, after the first failure: a step that succeeds at once never watches for cancellation.
    expect(asked).toBe(1);

    let ran = 0;
    await expect(
      retryStep(
        async () => {
          ran++;
          throw new Error('503');
        },
        { attempts: 10, initialDelayMs: 1 },
        { cancelled: () => cancel.signal },
      ),
    ).rejects.toBe(cancelled);
    expect(ran).toBe(1);
  });
});
