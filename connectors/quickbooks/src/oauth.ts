import {
  type AuthorizationCodeFlow,
  type ConnectionContext,
  createVendorClient,
  type GrantedTokens,
  type VendorAnswer,
  type VendorProblem,
} from '@switchyard/core';
import { quickbooksApi } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

/** The scope the hub asks for: the accounting API, nothing else (no payments, no OpenID profile). */
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

type Context = ConnectionContext<Settings, Secrets>;

/** OAuth's refusals of a grant or of the client (RFC 6749 §5.2): asking again cannot mend them. */
const FIXES: Readonly<Record<string, string>> = {
  invalid_grant:
    'the refresh token (or code) was refused: revoked, expired, or already used; authorize the connection again',
  invalid_client:
    "Intuit refused the app's credentials: check settings.clientId and secrets.clientSecret (developer.intuit.com › your app › Keys & credentials; Development keys for sandbox companies)",
  unauthorized_client: 'the app may not use this grant: check its settings at developer.intuit.com',
  invalid_request: 'Intuit refused the token request: check the redirect URI registered for the app',
};

/** The token endpoint's error body `{ "error": "invalid_grant", "error_description"? }` for core's client. */
function tokenProblem(answer: VendorAnswer): VendorProblem | undefined {
  if (answer.status < 400) return undefined;
  let body: { error?: unknown; error_description?: unknown } = {};
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return undefined;
  }
  const code = typeof body.error === 'string' ? body.error : undefined;
  if (!code) return undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : code;
  return {
    code,
    message: description,
    ...(FIXES[code] ? { fix: FIXES[code], retryable: false } : {}),
  };
}

/** `POST {oauthOrigin}/oauth2/v1/tokens/bearer` with the app's Basic credential and a form. */
async function tokenCall(
  context: Context,
  form: Record<string, string>,
  what: string,
  signal: AbortSignal,
): Promise<GrantedTokens> {
  const { settings, secrets } = context;
  const basic = Buffer.from(`${settings.clientId}:${secrets.clientSecret}`).toString('base64');
  const api = createVendorClient({
    vendor: 'Intuit OAuth',
    baseUrl: settings.oauthOrigin,
    auth: () => ({ authorization: `Basic ${basic}` }),
    headers: { accept: 'application/json' },
    // The code and the refresh token are single-use credentials: never in an error or a log.
    redact: { values: [form.code ?? '', form.refresh_token ?? ''].filter(Boolean) },
    connection: context.connectionId,
    timeoutMs: 60_000,
    rateHeaders: false,
    problem: tokenProblem,
  });
  const answer = await api.json<Record<string, unknown>>('POST', 'oauth2/v1/tokens/bearer', {
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    // Not repeated after a lost answer: a code is good once, and a refresh token is replaced by the answer.
    idempotent: false,
    what,
    signal,
  });
  const access = answer?.access_token;
  const refresh = answer?.refresh_token;
  if (typeof access !== 'string' || !access || typeof refresh !== 'string' || !refresh) {
    throw new Error(
      `Intuit's token endpoint answered the ${what} without tokens: check that settings.oauthOrigin (${settings.oauthOrigin}) is Intuit's`,
    );
  }
  const expires = Number(answer?.expires_in);
  const refreshExpires = Number(answer?.x_refresh_token_expires_in);
  return {
    accessToken: access,
    expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 3600,
    refreshToken: refresh,
    ...(Number.isFinite(refreshExpires) && refreshExpires > 0
      ? { refreshExpiresInSeconds: refreshExpires }
      : {}),
  };
}

/**
 * Intuit's OAuth 2.0 authorization-code flow. The consent page takes `client_id, response_type=code, scope,
 * redirect_uri, state`; Intuit documents no PKCE (its own clients, intuit-oauth included, send no
 * `code_challenge`), so the hub's challenge is not sent: the client secret authenticates the exchange. The
 * redirect brings `code`, `state` and `realmId` (the company). A refresh answers a NEW refresh token (Intuit
 * rotates them, roughly daily), which the hub must keep in place of the old one.
 */
export const quickbooksAuthorization: AuthorizationCodeFlow<Settings, Secrets> = {
  authorizeUrl(context, input) {
    const url = new URL('/connect/oauth2', context.settings.authorizeOrigin);
    url.search = new URLSearchParams({
      client_id: context.settings.clientId,
      response_type: 'code',
      scope: ACCOUNTING_SCOPE,
      redirect_uri: input.redirectUri,
      state: input.state,
    }).toString();
    return url.toString();
  },

  async exchange(context, input, signal) {
    const realm = input.query.realmId;
    if (!realm) {
      throw new Error(
        "Intuit's redirect carries no realmId: the authorization did not choose a QuickBooks Online company; authorize the connection again and pick a company",
      );
    }
    const tokens = await tokenCall(
      context,
      { grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri },
      'authorization code exchange',
      signal,
    );
    // The company's name, for people: one read, and a failure costs only the name (the code is spent already).
    let accountName: string | undefined;
    try {
      accountName = await quickbooksApi({
        ...context,
        authorization: {
          token: async () => ({ accessToken: tokens.accessToken, account: realm }),
          invalidate() {},
        },
      }).companyName(signal);
    } catch {
      accountName = undefined;
    }
    return { ...tokens, account: realm, ...(accountName ? { accountName } : {}) };
  },

  refresh(context, refreshToken, signal) {
    return tokenCall(
      context,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      'token refresh',
      signal,
    );
  },
};
