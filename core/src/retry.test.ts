import { describe, expect, it } from 'vitest';
import { retryAfterMs, withRetries } from './retry.ts';

describe('withRetries', () => {
  const failing = (times: number, error: unknown) => {
    let n = 0;
    return async () => {
      n++;
      if (n <= times) throw error;
      return n;
    };
  };

  it('waits the full Retry-After, beyond the backoff cap, and gives up when a server asks for too long', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const result = await withRetries(
      failing(1, new Error('429')),
      () => ({ retry: true, afterMs: 120_000 }),
      { sleep, maxDelayMs: 30_000 },
    );
    expect(result).toBe(2);
    expect(waits).toEqual([120_000]);
    await expect(
      withRetries(failing(1, new Error('429')), () => ({ retry: true, afterMs: 3_600_000 }), { sleep }),
    ).rejects.toThrow('429');
  });

  it('stops after its attempts and does not retry what is not retryable', async () => {
    const sleep = async () => {};
    await expect(
      withRetries(failing(10, new Error('503')), () => ({ retry: true }), { sleep, attempts: 3 }),
    ).rejects.toThrow('503');
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new Error('401');
        },
        () => ({ retry: false }),
        { sleep },
      ),
    ).rejects.toThrow('401');
    expect(calls).toBe(1);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Sun, 22 Nov 2026 12:00:30 GMT', Date.parse('2026-11-22T12:00:00Z'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
