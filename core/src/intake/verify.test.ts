import { describe, expect, it } from 'vitest';
import type { VerificationKey } from '../connector/index.ts';
import { notifyShop } from '../testing/notify-shop.ts';
import type { Connection } from './connection.ts';
import { VerificationKeys } from './verify.ts';

/** The cache of vendors' signing keys, on its own clock: what a forged or unlucky key id costs at the vendor. */
const connection: Connection = {
  id: 'shop',
  tenantId: 'acme',
  connector: notifyShop('public-key'),
  settings: { apiUrl: 'https://api.notify-shop.example', subscriptionId: 'sub-1' },
  secrets: { apiToken: 'nst_keys_0123456789' },
};
const key: VerificationKey = { key: 'pem', algorithm: 'ECDSA' };

describe('VerificationKeys', () => {
  it('fetches a key once while its fetch is in flight, however many deliveries name it', async () => {
    const keys = new VerificationKeys(() => 0);
    let fetches = 0;
    let answer!: (k: VerificationKey) => void;
    const fetch = () => {
      fetches++;
      return new Promise<VerificationKey>((resolve) => {
        answer = resolve;
      });
    };
    const waiting = [1, 2, 3].map(() => keys.get(connection, 'kid-1', fetch, 3_600_000));
    answer(key);
    expect(await Promise.all(waiting)).toEqual([key, key, key]);
    expect(fetches).toBe(1);
  });

  it('keeps a failed key id for a minute, then asks again', async () => {
    let now = 0;
    const keys = new VerificationKeys(() => now);
    let fetches = 0;
    const fetch = async (): Promise<VerificationKey> => {
      fetches++;
      throw new Error('no such key');
    };
    await expect(keys.get(connection, 'forged', fetch, 3_600_000)).rejects.toThrow('no such key');
    now = 59_000;
    await expect(keys.get(connection, 'forged', fetch, 3_600_000)).rejects.toThrow('no such key');
    expect(fetches).toBe(1);
    now = 61_000;
    await expect(keys.get(connection, 'forged', fetch, 3_600_000)).rejects.toThrow('no such key');
    expect(fetches).toBe(2);
  });

  it('stops fetching new key ids of a connection after too many failed within a minute', async () => {
    let now = 0;
    const keys = new VerificationKeys(() => now, { failureBudget: 3 });
    let fetches = 0;
    const fetch = async (): Promise<VerificationKey> => {
      fetches++;
      throw new Error('no such key');
    };
    for (const kid of ['r1', 'r2', 'r3', 'r4', 'r5']) {
      await expect(keys.get(connection, kid, fetch, 3_600_000)).rejects.toThrow();
    }
    expect(fetches).toBe(3);
    await expect(keys.get(connection, 'r6', fetch, 3_600_000)).rejects.toThrow(
      /3 signing keys of connection "shop" could not be fetched in the last 60 s/,
    );
    now = 61_000;
    await expect(keys.get(connection, 'r7', fetch, 3_600_000)).rejects.toThrow('no such key');
    expect(fetches).toBe(4);
  });
});
