import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrantedTokens } from '../connector/authorization.ts';
import { isReconnectNeeded } from '../connector/authorization.ts';
import { VendorError } from '../http/vendor-error.ts';
import { SecretBox } from '../secrets.ts';
import { createShopDatabase, type TestDatabase } from '../testing/database.ts';
import { connect } from './db.ts';
import {
  authorizedAccess,
  readGrantStates,
  saveGrant,
  startAuthorization,
  takeAuthorization,
} from './grants.ts';

let db: TestDatabase;
const box = SecretBox.fromString(SecretBox.generateKey());

beforeAll(async () => {
  db = await createShopDatabase();
});
afterAll(async () => db?.drop());

/**
 * A token endpoint as the vendors keep one: each refresh token is good once (Xero; QuickBooks rotates too), a
 * refresh answers a new pair, and a spent or revoked one is `invalid_grant`.
 */
function tokenEndpoint() {
  const live = new Set(['rt-0']);
  let n = 0;
  const calls: string[] = [];
  return {
    calls,
    live,
    async refresh(refreshToken: string): Promise<GrantedTokens> {
      calls.push(refreshToken);
      await new Promise((r) => setTimeout(r, 30)); // a token call takes a while: the race is real
      if (!live.delete(refreshToken))
        throw new VendorError({
          vendor: 'Books',
          status: 400,
          code: 'invalid_grant',
          message: 'the refresh token is invalid',
          retryable: false,
          request: 'POST /token',
        });
      n++;
      live.add(`rt-${n}`);
      return {
        accessToken: `at-${n}`,
        expiresInSeconds: 3600,
        refreshToken: `rt-${n}`,
        refreshExpiresInSeconds: 8_640_000,
      };
    },
  };
}

describe('an authorized connection’s grant', () => {
  it('is kept sealed: no token is readable in the table', async () => {
    await saveGrant(db.sql, box, 'shop', {
      accessToken: 'at-secret',
      expiresInSeconds: 3600,
      refreshToken: 'rt-secret',
      account: '9130',
    });
    const [row] = await db.sql<{ access_token: string; refresh_token: string }[]>`
      select access_token, refresh_token from connection_grants where connection_id = 'shop'`;
    expect(row!.access_token).not.toContain('at-secret');
    expect(row!.refresh_token).not.toContain('rt-secret');
    expect(row!.access_token.startsWith('v1.')).toBe(true);
  });

  it('refreshes once across processes racing for it, and every process uses the rotated token', async () => {
    const endpoint = tokenEndpoint();
    // An expired access token: the next call refreshes.
    await saveGrant(db.sql, box, 'shop', {
      accessToken: 'at-old',
      expiresInSeconds: 0,
      refreshToken: 'rt-0',
      account: '9130',
    });
    // Three "processes": their own pools and access objects, sharing only the database.
    const pools = [connect(db.url, { max: 2 }), connect(db.url, { max: 2 }), connect(db.url, { max: 2 })];
    try {
      const accesses = pools.map((sql) =>
        authorizedAccess({ sql, box, connectionId: 'shop', refresh: (rt) => endpoint.refresh(rt) }),
      );
      const tokens = await Promise.all(accesses.flatMap((a) => [a.token(), a.token()]));
      expect(endpoint.calls).toEqual(['rt-0']);
      expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['at-1']));
      expect(tokens[0]!.account).toBe('9130');
      // The rotated refresh token is the one kept: the next refresh spends rt-1, not the spent rt-0.
      await db.sql`update connection_grants set access_expires_at = now() - interval '1 minute' where connection_id = 'shop'`;
      const again = authorizedAccess({
        sql: db.sql,
        box,
        connectionId: 'shop',
        refresh: (rt) => endpoint.refresh(rt),
      });
      expect((await again.token()).accessToken).toBe('at-2');
      expect(endpoint.calls).toEqual(['rt-0', 'rt-1']);
      const [state] = await readGrantStates(db.sql, ['shop']);
      expect(state).toMatchObject({ state: 'valid', account: '9130', refreshes: 2 });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('needs a person once the vendor refuses the refresh token, and asks the vendor no more', async () => {
    const endpoint = tokenEndpoint();
    endpoint.live.clear(); // revoked in the vendor's admin
    await saveGrant(db.sql, box, 'shop', {
      accessToken: 'at-old',
      expiresInSeconds: 0,
      refreshToken: 'rt-0',
      account: '9130',
    });
    const access = authorizedAccess({
      sql: db.sql,
      box,
      connectionId: 'shop',
      refresh: (rt) => endpoint.refresh(rt),
    });
    const error = await access.token().catch((e: unknown) => e);
    expect(isReconnectNeeded(error)).toBe(true);
    expect((error as Error).message).toMatch(/switchyard connections authorize shop/);
    await expect(access.token()).rejects.toMatchObject({ code: 'reconnect_needed' });
    expect(endpoint.calls).toEqual(['rt-0']);
    const [state] = await readGrantStates(db.sql, ['shop']);
    expect(state).toMatchObject({ state: 'reconnect-needed' });
    expect(state!.error).toMatch(/invalid_grant/);
    // Authorizing again makes it valid.
    await saveGrant(db.sql, box, 'shop', {
      accessToken: 'at-new',
      expiresInSeconds: 3600,
      refreshToken: 'rt-9',
      account: '9130',
    });
    const fresh = authorizedAccess({
      sql: db.sql,
      box,
      connectionId: 'shop',
      refresh: (rt) => endpoint.refresh(rt),
    });
    expect((await fresh.token()).accessToken).toBe('at-new');
  });

  it('takes an authorization’s state once, and not after it expired', async () => {
    const started = await startAuthorization(db.sql, box, 'shop', 'http://localhost:8080/oauth/callback');
    expect(started.codeChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const taken = await takeAuthorization(db.sql, box, started.state);
    expect(taken).toMatchObject({
      connectionId: 'shop',
      redirectUri: 'http://localhost:8080/oauth/callback',
    });
    expect(taken!.codeVerifier.length).toBeGreaterThanOrEqual(43);
    expect(await takeAuthorization(db.sql, box, started.state)).toBeUndefined();
    const old = await startAuthorization(db.sql, box, 'shop', 'http://localhost:8080/oauth/callback');
    await db.sql`update authorization_requests set expires_at = now() - interval '1 second' where id = ${old.id}`;
    expect(await takeAuthorization(db.sql, box, old.state)).toBeUndefined();
  });
});
