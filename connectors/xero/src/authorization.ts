import {
  type AuthorizationCodeFlow,
  type ConnectionContext,
  createVendorClient,
  type GrantedTokens,
  HubError,
  type VendorClient,
} from '@switchyard/core';
import { xeroProblem } from './errors.ts';
import type { Secrets, Settings } from './settings.ts';

type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;

/** Xero keeps an unused refresh token for 60 days. */
const REFRESH_LIFETIME_SECONDS = 60 * 86_400;

/** What `POST /connect/token` answers. */
interface TokenAnswer {
  access_token: string;
  expires_in: number;
  token_type: string;
  refresh_token?: string;
  scope?: string;
}

/** One organisation (or practice) the grant reaches, as `GET /connections` lists it. */
interface XeroConnection {
  id: string;
  tenantId: string;
  tenantType: string;
  tenantName: string | null;
}

/** Xero's identity server: client authentication in a Basic header, forms in, JSON out. */
function identity(context: Context, hidden: string[]): VendorClient {
  const { settings, secrets } = context;
  return createVendorClient({
    vendor: 'Xero',
    baseUrl: settings.identityOrigin,
    auth: () => ({
      authorization: `Basic ${Buffer.from(`${settings.clientId}:${secrets.clientSecret}`).toString('base64')}`,
    }),
    redact: { values: [secrets.clientSecret, ...hidden] },
    connection: context.connectionId,
    timeoutMs: settings.timeoutSeconds * 1000,
    problem: xeroProblem,
    // A refused code or refresh token is refused again; a lost answer to a refresh must not be repeated
    // either (Xero's refresh tokens are single use): the hub's grant store decides what comes next.
    retry: { attempts: 1 },
  });
}

async function token(context: Context, form: Record<string, string>, what: string, signal: AbortSignal) {
  // The code, its verifier and the refresh token never appear in an error either.
  const hidden = [form.code, form.code_verifier, form.refresh_token].filter((v): v is string => !!v);
  const answer = await identity(context, hidden).json<TokenAnswer>('POST', '/connect/token', {
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    signal,
    what,
  });
  if (!answer?.access_token || !answer.refresh_token) {
    throw new HubError({
      type: 'xero-grant-incomplete',
      title: 'Xero granted no refresh token',
      status: 502,
      detail: `Xero's ${what} answered without ${answer?.access_token ? 'a refresh token' : 'an access token'}`,
      fix: 'keep offline_access in settings.scopes and authorize the connection again',
    });
  }
  return answer;
}

/** The organisation the tokens are for: the configured one, or the grant's only one. */
async function tenantOf(context: Context, accessToken: string, signal: AbortSignal): Promise<XeroConnection> {
  const api = createVendorClient({
    vendor: 'Xero',
    baseUrl: context.settings.apiOrigin,
    auth: () => ({ authorization: `Bearer ${accessToken}` }),
    connection: context.connectionId,
    timeoutMs: context.settings.timeoutSeconds * 1000,
    problem: xeroProblem,
  });
  const all =
    (await api.json<XeroConnection[]>('GET', '/connections', { signal, what: 'connections list' })) ?? [];
  const organisations = all.filter((c) => c.tenantType === 'ORGANISATION');
  const listed = organisations.map((c) => `${c.tenantName ?? '(no name)'} (${c.tenantId})`).join(', ');
  const wanted = context.settings.tenantId;
  if (wanted) {
    const match = organisations.find((c) => c.tenantId === wanted);
    if (match) return match;
    throw grantProblem(
      `the consent does not reach organisation ${wanted} (settings.tenantId); it reaches ${listed || 'no organisation'}`,
      'authorize again choosing that organisation in Xero, or set settings.tenantId to one of those listed',
    );
  }
  if (organisations.length === 1) return organisations[0]!;
  throw grantProblem(
    organisations.length === 0
      ? 'the consent reaches no Xero organisation'
      : `the consent reaches ${organisations.length} organisations: ${listed}`,
    organisations.length === 0
      ? 'authorize again and choose an organisation on Xero’s consent page'
      : 'set settings.tenantId to the one to post to (the id in brackets), then authorize the connection again',
  );
}

const grantProblem = (detail: string, fix: string) =>
  new HubError({ type: 'xero-organisation', title: 'Which Xero organisation?', status: 409, detail, fix });

/**
 * Xero's OAuth 2.0 authorization code flow with PKCE: the consent page at login.xero.com, the code exchanged at
 * identity.xero.com, the organisation picked from `GET /connections`, and single-use refresh tokens: each
 * refresh answers a new one, which the hub keeps before it uses the access token; a refresh token already
 * used, revoked or unused for 60 days is refused with `invalid_grant`.
 */
export const authorization: AuthorizationCodeFlow<Settings, Secrets> = {
  authorizeUrl(context, { state, redirectUri, codeChallenge }) {
    const url = new URL('/identity/connect/authorize', context.settings.loginOrigin);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: context.settings.clientId,
      redirect_uri: redirectUri,
      scope: context.settings.scopes.join(' '),
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.href;
  },

  async exchange(context, { code, redirectUri, codeVerifier }, signal): Promise<GrantedTokens> {
    const granted = await token(
      context,
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier },
      'code exchange',
      signal,
    );
    const tenant = await tenantOf(context, granted.access_token, signal);
    return {
      accessToken: granted.access_token,
      expiresInSeconds: granted.expires_in,
      refreshToken: granted.refresh_token!,
      refreshExpiresInSeconds: REFRESH_LIFETIME_SECONDS,
      account: tenant.tenantId,
      ...(tenant.tenantName ? { accountName: tenant.tenantName } : {}),
    };
  },

  async refresh(context, refreshToken, signal): Promise<GrantedTokens> {
    const granted = await token(
      context,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      'token refresh',
      signal,
    );
    return {
      accessToken: granted.access_token,
      expiresInSeconds: granted.expires_in,
      refreshToken: granted.refresh_token!,
      refreshExpiresInSeconds: REFRESH_LIFETIME_SECONDS,
    };
  },
};
