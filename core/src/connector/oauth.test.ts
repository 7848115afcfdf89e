import { afterEach, describe, expect, it } from 'vitest';
import { VendorError } from '../http/index.ts';
import {
  forgetTokenSources,
  observeTokenStates,
  type TokenState,
  tokenSource,
  tokenStates,
} from './oauth.ts';

afterEach(() => forgetTokenSources());

const refused = () =>
  new VendorError({
    vendor: 'Acme',
    request: 'POST /token',
    status: 400,
    code: 'invalid_grant',
    message: 'refresh token revoked',
    retryable: false,
  });

describe('tokenSource', () => {
  it('mints once for concurrent callers, caches until the refresh margin, then mints again', async () => {
    let clock = 0;
    let mints = 0;
    const source = () =>
      tokenSource({
        connection: 'c1',
        name: 'access token',
        identity: 'a',
        now: () => clock,
        refreshBeforeMs: 60_000,
        mint: async () => ({ accessToken: `tok-${++mints}`, expiresInSeconds: 3600 }),
      });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source().token()));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    clock = 3_540_000 - 1; // just inside the margin's edge: still the cached one
    expect(await source().token()).toBe('tok-1');
    clock = 3_540_000;
    expect(await source().token()).toBe('tok-2');
    expect(tokenStates('c1', clock)).toEqual([
      expect.objectContaining({
        name: 'access token',
        state: 'valid',
        mintedAt: new Date(clock).toISOString(),
      }),
    ]);
  });

  it('lets one caller give up its wait without failing the mint the others wait for', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const source = tokenSource({
      connection: 'c2',
      name: 't',
      identity: 'a',
      mint: async () => {
        await gate;
        return { accessToken: 'shared', expiresInSeconds: 3600 };
      },
    });
    const quitter = new AbortController();
    const a = source.token(quitter.signal);
    const b = source.token();
    quitter.abort(new Error('caller gave up'));
    await expect(a).rejects.toThrow('caller gave up');
    release();
    expect(await b).toBe('shared');
    expect(tokenStates('c2')[0]!.state).toBe('valid');
  });

  it('survives a mint that throws before returning a promise', async () => {
    let calls = 0;
    let clock = 0;
    const source = tokenSource({
      connection: 'c3',
      name: 't',
      identity: 'a',
      now: () => clock,
      mint: (() => {
        calls++;
        if (calls === 1) throw new Error('not configured yet');
        return Promise.resolve({ accessToken: 'second', expiresInSeconds: 3600 });
      }) as never,
    });
    await expect(source.token()).rejects.toThrow('not configured yet');
    clock += 10_000;
    // The next call (after the short pause) mints again instead of meeting the first failure forever.
    expect(await source.token()).toBe('second');
  });

  it('stops asking for a refused credential until the configuration gives a new one, and says so', async () => {
    let mints = 0;
    const told: TokenState[] = [];
    const stop = observeTokenStates((connection, state) => connection === 'c4' && told.push(state));
    const make = (identity: string, ok: boolean) =>
      tokenSource({
        connection: 'c4',
        name: 'user token',
        identity,
        mint: async () => {
          mints++;
          if (!ok) throw refused();
          return { accessToken: 'fresh', expiresInSeconds: 7200 };
        },
      });
    for (let i = 0; i < 5; i++) await expect(make('old', false).token()).rejects.toThrow(/invalid_grant/);
    expect(mints).toBe(1);
    expect(tokenStates('c4')[0]).toMatchObject({
      state: 'reconnect-needed',
      error: expect.stringContaining('revoked'),
    });
    expect(await make('new', true).token()).toBe('fresh');
    expect(mints).toBe(2);
    expect(told.map((t) => t.state)).toEqual(['reconnect-needed', 'valid']);
    stop();
  });

  it('pauses briefly after a passing failure instead of asking again on every call', async () => {
    let clock = 0;
    let mints = 0;
    const make = () =>
      tokenSource({
        connection: 'c5',
        name: 't',
        identity: 'a',
        now: () => clock,
        mint: async () => {
          mints++;
          if (mints === 1) throw new Error('token endpoint timed out');
          return { accessToken: 'later', expiresInSeconds: 3600 };
        },
      });
    await expect(make().token()).rejects.toThrow('timed out');
    await expect(make().token()).rejects.toThrow('timed out');
    expect(mints).toBe(1);
    expect(tokenStates('c5', clock)[0]!.state).toBe('failed');
    clock += 2_000;
    expect(await make().token()).toBe('later');
  });

  it('invalidates only the token that was refused', async () => {
    let mints = 0;
    const source = tokenSource({
      connection: 'c6',
      name: 't',
      identity: 'a',
      mint: async () => ({ accessToken: `tok-${++mints}`, expiresInSeconds: 3600 }),
    });
    expect(await source.token()).toBe('tok-1');
    source.invalidate('tok-1');
    expect(await source.token()).toBe('tok-2');
    // A late 401 for the old token leaves the new one alone.
    source.invalidate('tok-1');
    expect(await source.token()).toBe('tok-2');
  });
});
