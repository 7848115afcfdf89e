import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthorizedAccess,
  type GrantedTokens,
  ReconnectNeededError,
} from '../connector/authorization.ts';
import { describeError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SecretBox } from '../secrets.ts';
import type { Sql } from './db.ts';
import type { Db } from './orders.ts';

/**
 * OAuth grants of authorized connections (QuickBooks Online, Xero), kept in `connection_grants`, sealed with the
 * hub's secret key. `authorizedAccess` hands a connection's calls a valid access token: from memory while it
 * lasts, else from the row (another process may have refreshed it), else refreshed under the row's lock so that
 * one refresh per connection runs at a time across every process. The rotated refresh token is written in the
 * transaction that makes the new access token usable, and nobody uses the new access token before that commit:
 * a process that loses the race reads the winner's tokens instead of spending a superseded refresh token
 * (which the vendor would answer `invalid_grant`, locking the merchant out).
 */

const sealContext = (connectionId: string, what: 'access' | 'refresh' | 'verifier') =>
  `grant:${connectionId}:${what}`;

/** Refresh this long before the access token expires (a tenth of its life at most). */
const REFRESH_BEFORE_MS = 5 * 60_000;
/**
 * The code of a token endpoint saying the refresh token itself is refused (RFC 6749 §5.2): revoked, expired or
 * spent. `invalid_client` is not one: a wrong client secret in the config is the hub's to fix, and the
 * merchants' grants are still good once it is.
 */
const REFUSED = new Set(['invalid_grant']);

/** Saves what an exchange granted: the connection is (again) authorized. */
export async function saveGrant(
  sql: Db,
  box: SecretBox,
  connectionId: string,
  tokens: GrantedTokens,
  now: Date = new Date(),
): Promise<void> {
  if (!tokens.account) throw new Error(`the grant for ${connectionId} names no company (realm or tenant id)`);
  const expires = new Date(now.getTime() + tokens.expiresInSeconds * 1000);
  const refreshExpires = tokens.refreshExpiresInSeconds
    ? new Date(now.getTime() + tokens.refreshExpiresInSeconds * 1000)
    : null;
  await sql`
    insert into connection_grants (connection_id, account, account_name, access_token, access_expires_at,
      refresh_token, refresh_expires_at, state, error, authorized_at, refreshed_at, refreshes)
    values (${connectionId}, ${tokens.account}, ${tokens.accountName ?? null},
      ${box.seal(tokens.accessToken, sealContext(connectionId, 'access'))}, ${expires},
      ${box.seal(tokens.refreshToken, sealContext(connectionId, 'refresh'))}, ${refreshExpires},
      'valid', null, ${now}, null, 0)
    on conflict (connection_id) do update set account = excluded.account, account_name = excluded.account_name,
      access_token = excluded.access_token, access_expires_at = excluded.access_expires_at,
      refresh_token = excluded.refresh_token, refresh_expires_at = excluded.refresh_expires_at, state = 'valid',
      error = null, authorized_at = excluded.authorized_at, refreshed_at = null, refreshes = 0`;
}

/** A grant as health shows it: never a token. */
export interface GrantState {
  connectionId: string;
  account: string;
  accountName?: string;
  state: 'valid' | 'expired' | 'reconnect-needed';
  accessExpiresAt: string;
  refreshExpiresAt?: string;
  authorizedAt: string;
  refreshedAt?: string;
  refreshes: number;
  error?: string;
}

export async function readGrantStates(sql: Db, connectionIds: readonly string[]): Promise<GrantState[]> {
  const rows = await sql<
    {
      connection_id: string;
      account: string;
      account_name: string | null;
      state: string;
      access_expires_at: Date;
      refresh_expires_at: Date | null;
      authorized_at: Date;
      refreshed_at: Date | null;
      refreshes: number;
      error: string | null;
    }[]
  >`
    select connection_id, account, account_name, state, access_expires_at, refresh_expires_at, authorized_at,
      refreshed_at, refreshes, error
    from connection_grants where connection_id = any(${sql.array([...connectionIds])}::text[])`;
  return rows.map((r) => ({
    connectionId: r.connection_id,
    account: r.account,
    ...(r.account_name ? { accountName: r.account_name } : {}),
    state:
      r.state === 'reconnect-needed'
        ? 'reconnect-needed'
        : r.access_expires_at.getTime() > Date.now()
          ? 'valid'
          : 'expired',
    accessExpiresAt: r.access_expires_at.toISOString(),
    ...(r.refresh_expires_at ? { refreshExpiresAt: r.refresh_expires_at.toISOString() } : {}),
    authorizedAt: r.authorized_at.toISOString(),
    ...(r.refreshed_at ? { refreshedAt: r.refreshed_at.toISOString() } : {}),
    refreshes: r.refreshes,
    ...(r.error ? { error: r.error } : {}),
  }));
}

export interface AuthorizedAccessOptions {
  sql: Sql;
  box: SecretBox;
  connectionId: string;
  /** The connector's refresh (AuthorizationCodeFlow.refresh, bound to the connection). */
  refresh(refreshToken: string, signal: AbortSignal): Promise<GrantedTokens>;
  now?: () => number;
}

/** A connection's access to its grant, shared by every call of this process (see the file's comment). */
export function authorizedAccess(options: AuthorizedAccessOptions): AuthorizedAccess {
  const { sql, box, connectionId } = options;
  const now = options.now ?? Date.now;
  let cached:
    | { accessToken: string; account: string; expiresAt: number; lifetime: number; sealed?: string }
    | undefined;
  let refreshing: Promise<{ accessToken: string; account: string }> | undefined;
  const fresh = (c: NonNullable<typeof cached>) =>
    now() < c.expiresAt - Math.min(REFRESH_BEFORE_MS, c.lifetime / 10);

  const fromRow = (row: GrantRow) => {
    const expiresAt = row.access_expires_at.getTime();
    cached = {
      accessToken: box.open(row.access_token, sealContext(connectionId, 'access')),
      account: row.account,
      expiresAt,
      lifetime: Math.max(60_000, expiresAt - (row.refreshed_at ?? row.authorized_at).getTime()),
      sealed: row.access_token,
    };
    return cached;
  };

  const refresh = (force = false) =>
    sql.begin(async (tx) => {
      const [row] = await tx<GrantRow[]>`
        select * from connection_grants where connection_id = ${connectionId} for update`;
      if (!row) throw new ReconnectNeededError(connectionId, 'it was never authorized');
      if (row.state === 'reconnect-needed')
        throw new ReconnectNeededError(connectionId, row.error ?? 'the vendor refused its refresh token');
      const current = fromRow(row);
      if (!force && fresh(current)) return current; // another process refreshed it meanwhile
      const refreshToken = box.open(row.refresh_token, sealContext(connectionId, 'refresh'));
      let granted: GrantedTokens;
      try {
        granted = await options.refresh(refreshToken, AbortSignal.timeout(60_000));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && REFUSED.has(code)) {
          const why = `the vendor refused the refresh token (${code}): ${describeError(error)}`;
          await tx`update connection_grants set state = 'reconnect-needed', error = ${why}
            where connection_id = ${connectionId}`;
          cached = undefined;
          return { reconnect: why } as const;
        }
        throw error;
      }
      const at = new Date(now());
      const expires = new Date(at.getTime() + granted.expiresInSeconds * 1000);
      const sealed = box.seal(granted.accessToken, sealContext(connectionId, 'access'));
      const refreshExpires = granted.refreshExpiresInSeconds
        ? new Date(at.getTime() + granted.refreshExpiresInSeconds * 1000)
        : row.refresh_expires_at;
      await tx`
        update connection_grants set
          access_token = ${sealed},
          access_expires_at = ${expires},
          refresh_token = ${box.seal(granted.refreshToken, sealContext(connectionId, 'refresh'))},
          refresh_expires_at = ${refreshExpires}, refreshed_at = ${at}, refreshes = refreshes + 1, error = null
        where connection_id = ${connectionId}`;
      return {
        accessToken: granted.accessToken,
        account: granted.account ?? row.account,
        expiresAt: expires.getTime(),
        lifetime: granted.expiresInSeconds * 1000,
        sealed,
      };
    });

  const refreshOnce = (force: boolean) => {
    refreshing ??= (async () => {
      try {
        const result = await refresh(force);
        // The commit is done: only now is the new access token used (and its refresh token kept).
        if ('reconnect' in result) throw new ReconnectNeededError(connectionId, result.reconnect);
        cached = { ...result };
        return { accessToken: result.accessToken, account: result.account };
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  };

  return {
    async token() {
      if (cached && fresh(cached)) return { accessToken: cached.accessToken, account: cached.account };
      return refreshOnce(false);
    },
    async renew() {
      await refreshOnce(true);
    },
    invalidate(accessToken) {
      if (cached?.accessToken !== accessToken) return;
      const sealed = cached.sealed;
      cached = undefined;
      // The row holds the refused token only if no process refreshed since: then it is marked expired, so that
      // the next call refreshes; a newer token another process saved is left alone.
      if (sealed)
        void sql`update connection_grants set access_expires_at = now() - interval '1 second'
          where connection_id = ${connectionId} and access_token = ${sealed}`.catch(() => {});
    },
  };
}

interface GrantRow {
  account: string;
  access_token: string;
  access_expires_at: Date;
  refresh_token: string;
  refresh_expires_at: Date | null;
  state: string;
  error: string | null;
  authorized_at: Date;
  refreshed_at: Date | null;
}

/** How long a started authorization waits for the vendor's redirect. */
export const AUTHORIZATION_TTL_MS = 15 * 60_000;

const stateHash = (state: string) => createHash('sha256').update(state).digest('hex');
const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** An authorization started: the state and PKCE pair to send to the vendor. */
export interface StartedAuthorization {
  id: string;
  state: string;
  codeChallenge: string;
  redirectUri: string;
  expiresAt: Date;
}

/** Starts an authorization of `connectionId`: the state the vendor's redirect must bring back, and PKCE. */
export async function startAuthorization(
  sql: Db,
  box: SecretBox,
  connectionId: string,
  redirectUri: string,
): Promise<StartedAuthorization> {
  const id = newId('auth');
  const state = base64url(randomBytes(32));
  const verifier = base64url(randomBytes(48));
  const codeChallenge = base64url(createHash('sha256').update(verifier).digest());
  const expiresAt = new Date(Date.now() + AUTHORIZATION_TTL_MS);
  await sql`
    insert into authorization_requests (id, state_hash, connection_id, code_verifier, redirect_uri, expires_at)
    values (${id}, ${stateHash(state)}, ${connectionId}, ${box.seal(verifier, sealContext(id, 'verifier'))},
      ${redirectUri}, ${expiresAt})`;
  return { id, state, codeChallenge, redirectUri, expiresAt };
}

/** The authorization a redirect's `state` names, taken once: undefined when unknown, used or expired. */
export async function takeAuthorization(
  sql: Db,
  box: SecretBox,
  state: string,
): Promise<{ id: string; connectionId: string; codeVerifier: string; redirectUri: string } | undefined> {
  const [row] = await sql<
    { id: string; connection_id: string; code_verifier: string; redirect_uri: string }[]
  >`
    update authorization_requests set finished_at = now(), outcome = 'exchanging'
    where state_hash = ${stateHash(state)} and finished_at is null and expires_at > now()
    returning id, connection_id, code_verifier, redirect_uri`;
  if (!row) return undefined;
  return {
    id: row.id,
    connectionId: row.connection_id,
    codeVerifier: box.open(row.code_verifier, sealContext(row.id, 'verifier')),
    redirectUri: row.redirect_uri,
  };
}

/** Records how an authorization ended, for the CLI or console waiting on it. */
export async function finishAuthorization(
  sql: Db,
  id: string,
  outcome: 'authorized' | 'failed',
  detail: string,
): Promise<void> {
  await sql`update authorization_requests set outcome = ${outcome}, detail = ${detail}, finished_at = now()
    where id = ${id}`;
}

/** An authorization's progress: waiting (for the merchant), authorized, failed or expired. */
export async function authorizationOutcome(
  sql: Db,
  connectionId: string,
  id: string,
): Promise<{ status: 'waiting' | 'authorized' | 'failed' | 'expired'; detail?: string } | undefined> {
  const [row] = await sql<
    { outcome: string | null; detail: string | null; expired: boolean; stuck: boolean }[]
  >`
    select outcome, detail, expires_at <= now() as expired,
      outcome = 'exchanging' and finished_at < now() - interval '5 minutes' as stuck
    from authorization_requests where id = ${id} and connection_id = ${connectionId}`;
  if (!row) return undefined;
  if (row.outcome === 'authorized' || row.outcome === 'failed')
    return { status: row.outcome, ...(row.detail ? { detail: row.detail } : {}) };
  // The hub took the code but never finished (it stopped while exchanging it): the code is spent.
  if (row.stuck)
    return { status: 'failed', detail: 'the hub stopped while exchanging the code: start again' };
  if (row.expired && !row.outcome) return { status: 'expired' };
  return { status: 'waiting' };
}
