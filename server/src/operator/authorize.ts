import {
  authorizationOutcome,
  connectionContext,
  describeError,
  finishAuthorization,
  HubError,
  recordAudit,
  saveGrant,
  startAuthorization,
  takeAuthorization,
} from '@switchyard/core';
import type { Hub } from '../hub.ts';
import { type OperatorContext, requireRole, tenantConnection } from './context.ts';

/**
 * The OAuth 2.0 authorization-code flow of a books connection (QuickBooks Online, Xero): started by the CLI
 * (`switchyard connections authorize <id>`) or the console, finished by the vendor's redirect to the hub's
 * `/oauth/callback`, which exchanges the code and keeps the tokens sealed. The redirect URI must be registered
 * in the vendor's developer portal exactly as the hub sends it: `<server.publicUrl>/oauth/callback`.
 */

export const CALLBACK_PATH = '/oauth/callback';

/** Where the vendor sends the merchant back: server.publicUrl, else this machine's hub on its port. */
export function redirectUriOf(hub: Pick<Hub, 'config'>, fallbackBase?: string): string {
  const base = (
    hub.config.server.publicUrl ??
    fallbackBase ??
    `http://localhost:${process.env.PORT ?? '8080'}`
  ).replace(/\/+$/, '');
  return `${base}${CALLBACK_PATH}`;
}

export interface AuthorizationStart {
  id: string;
  connectionId: string;
  /** The vendor's consent page: open it, sign in, choose the company, allow. */
  url: string;
  redirectUri: string;
  expiresAt: string;
}

/** Starts authorizing a connection; audited. */
export async function beginAuthorization(
  ctx: OperatorContext,
  connectionId: string,
  options: { fallbackBase?: string } = {},
): Promise<AuthorizationStart> {
  requireRole(ctx, 'operator', 'authorizing a connection');
  const connection = tenantConnection(ctx, connectionId);
  const flow = connection.connector.authorization;
  if (!flow) {
    throw new HubError({
      type: 'not-authorizable',
      title: 'This connection is not authorized through the vendor',
      status: 409,
      detail: `connector ${connection.connector.id} takes its credentials from the config, not from an OAuth authorization`,
      fix: 'set its secrets in the environment instead',
    });
  }
  const redirectUri = redirectUriOf(ctx.hub, options.fallbackBase);
  if (!ctx.hub.box) throw new Error('this hub keeps no sealed credentials (no secret key): cannot authorize');
  const started = await startAuthorization(ctx.hub.sql, ctx.hub.box, connectionId, redirectUri);
  const url = flow.authorizeUrl(connectionContext(connection), {
    state: started.state,
    redirectUri,
    codeChallenge: started.codeChallenge,
  });
  await recordAudit(ctx.hub.sql, ctx.by, {
    action: 'connection.authorize',
    targetType: 'connection',
    targetId: connectionId,
    after: { authorization: started.id, redirectUri },
    requestId: ctx.requestId,
  });
  return { id: started.id, connectionId, url, redirectUri, expiresAt: started.expiresAt.toISOString() };
}

/** Where an authorization stands. */
export async function authorizationStatus(ctx: OperatorContext, connectionId: string, id: string) {
  tenantConnection(ctx, connectionId);
  const outcome = await authorizationOutcome(ctx.hub.sql, connectionId, id);
  if (!outcome)
    throw new HubError({
      type: 'no-such-authorization',
      title: 'No such authorization',
      status: 404,
      detail: `no authorization ${id} was started for ${connectionId}`,
      fix: `start one: switchyard connections authorize ${connectionId}`,
    });
  return outcome;
}

/** What the callback page says. */
export interface CallbackOutcome {
  ok: boolean;
  connectionId?: string;
  message: string;
}

/**
 * The vendor's redirect: the `state` names the authorization (single use, expiring), the code is exchanged,
 * the grant sealed and kept; the connection's parked postings wake on the next turn of the books watcher.
 */
export async function completeAuthorization(
  hub: Pick<Hub, 'sql' | 'connections'> & Partial<Pick<Hub, 'box'>>,
  query: Record<string, string>,
): Promise<CallbackOutcome> {
  const state = query.state;
  if (!hub.box) throw new Error('this hub keeps no sealed credentials (no secret key)');
  if (!state) return { ok: false, message: 'the address has no state: open the link the hub gave you again' };
  const taken = await takeAuthorization(hub.sql, hub.box, state);
  if (!taken)
    return {
      ok: false,
      message:
        'this authorization link was used already or has expired (15 minutes): start again with switchyard connections authorize <connection>',
    };
  const connection = hub.connections.get(taken.connectionId);
  const flow = connection?.connector.authorization;
  const fail = async (message: string): Promise<CallbackOutcome> => {
    await finishAuthorization(hub.sql, taken.id, 'failed', message);
    return { ok: false, connectionId: taken.connectionId, message };
  };
  if (!connection || !flow)
    return fail(`connection ${taken.connectionId} is no longer configured for authorization`);
  if (query.error)
    return fail(
      `${connection.connector.title} answered ${query.error}${query.error_description ? ` (${query.error_description})` : ''}: the authorization was not given; start again with switchyard connections authorize ${taken.connectionId}`,
    );
  if (!query.code) return fail('the vendor sent no code back: start the authorization again');
  try {
    const tokens = await flow.exchange(
      connectionContext(connection),
      { code: query.code, redirectUri: taken.redirectUri, codeVerifier: taken.codeVerifier, query },
      AbortSignal.timeout(60_000),
    );
    const [before] = await hub.sql<{ account: string; posted: boolean }[]>`
      select g.account, exists (select 1 from book_postings p where p.books_connection = g.connection_id) as posted
      from connection_grants g where g.connection_id = ${taken.connectionId}`;
    if (before?.posted && tokens.account && before.account !== tokens.account)
      return fail(
        `${taken.connectionId} has posted to company ${before.account}, and this authorization is for ${tokens.accountName ?? tokens.account}: one connection keeps to one company's books (its documents and open invoices are there). Authorize ${before.account} again, or add a new connection for the other company`,
      );
    await saveGrant(hub.sql, hub.box, taken.connectionId, tokens);
    const company = tokens.accountName
      ? `${tokens.accountName} (${tokens.account})`
      : `company ${tokens.account}`;
    const message = `${taken.connectionId} is connected to ${connection.connector.title}: ${company}`;
    await finishAuthorization(hub.sql, taken.id, 'authorized', message);
    return { ok: true, connectionId: taken.connectionId, message };
  } catch (error) {
    return fail(`exchanging the code with ${connection.connector.title} failed: ${describeError(error)}`);
  }
}
