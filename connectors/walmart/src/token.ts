import { randomUUID } from 'node:crypto';
import {
  type ConnectionContext,
  createVendorClient,
  type MintedToken,
  type TokenSource,
  tokenSource,
  type VendorAnswer,
} from '@switchyard/core';
import { walmartErrors, walmartProblem } from './errors.ts';
import type { Secrets, Settings } from './settings.ts';
import { observeAnswer, takeToken } from './throttle.ts';

type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;

/** The name of the connection's token in its health. */
export const TOKEN_NAME = 'Walmart access token';

/** The Basic credential of the token call: base64 of `clientId:clientSecret`. */
export const basicCredential = (secrets: Secrets) =>
  `Basic ${Buffer.from(`${secrets.clientId}:${secrets.clientSecret}`).toString('base64')}`;

/** OAuth's codes for a credential refused, as a token endpoint may put them in `error` (RFC 6749 §5.2). */
const OAUTH_REFUSALS = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant']);

/**
 * Whether the token call's answer refuses the client credentials themselves: a 401, or Walmart's UNAUTHORIZED
 * codes (or OAuth's) whatever the status. Only that is `invalid_client` ("reconnect needed": core mints nothing
 * more until the configuration gives new credentials). A 400 about a header or the form (WM_SVC.NAME,
 * WM_CONSUMER.CHANNEL.TYPE, grant_type) is not: the credentials may be fine, and it fails as itself, with its fix,
 * minted again after core's pause once the settings are corrected.
 */
function refusesCredentials(answer: VendorAnswer): boolean {
  if (answer.status === 401) return true;
  if (walmartErrors(answer.text).some((e) => e.code?.toUpperCase().startsWith('UNAUTHORIZED'))) return true;
  try {
    const body = JSON.parse(answer.text) as { error?: unknown };
    return typeof body.error === 'string' && OAUTH_REFUSALS.has(body.error);
  } catch {
    return false;
  }
}

/**
 * `POST /v3/token` with the client credentials: a 15-minute access token. A refusal of the credentials (a 401,
 * or Walmart's UNAUTHORIZED codes) is a VendorError with code `invalid_client`, so the connection's health shows
 * "reconnect needed" instead of every call failing the same way; any other failure is itself.
 */
async function mint(context: Context, signal?: AbortSignal): Promise<MintedToken> {
  const { settings, secrets } = context;
  const key = `${context.connectionId}\u0000${settings.apiOrigin}`;
  const api = createVendorClient({
    vendor: 'Walmart',
    baseUrl: settings.apiOrigin,
    auth: () => ({ authorization: basicCredential(secrets) }),
    headers: {
      'WM_SVC.NAME': settings.svcName,
      ...(settings.channelType ? { 'WM_CONSUMER.CHANNEL.TYPE': settings.channelType } : {}),
    },
    redact: { values: [secrets.clientId, secrets.clientSecret] },
    timeoutMs: settings.timeoutSeconds * 1000,
    // Keyed by the connection, like the API client (client.ts): nothing core holds reaches another seller.
    budget: { key: context.connectionId, perSecond: 1000, burst: 1000 },
    connection: context.connectionId,
    rateHeaders: false,
    problem: (answer) => {
      const problem = walmartProblem(answer);
      if (!problem || answer.status < 400 || !refusesCredentials(answer)) return problem;
      const [error] = walmartErrors(answer.text);
      return {
        code: 'invalid_client',
        message: [error?.code, problem.message].filter(Boolean).join(': ') || 'client credentials refused',
        retryable: false,
        fix: 'check secrets.clientId and secrets.clientSecret (developer.walmart.com › My Account: production keys for marketplace.walmartapis.com, sandbox keys for the sandbox), then reconnect',
      };
    },
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      await takeToken(key, 'token', init?.signal ?? undefined);
      const headers = new Headers(init?.headers);
      headers.set('WM_QOS.CORRELATION_ID', randomUUID());
      const response = await fetch(url, { ...init, headers });
      observeAnswer(key, 'token', response);
      return response;
    },
  });
  const answer = await api.json<{ access_token?: unknown; expires_in?: unknown }>('POST', 'v3/token', {
    body: 'grant_type=client_credentials',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    // Minting twice is harmless: a lost answer is asked again.
    idempotent: true,
    what: 'access token (client credentials)',
    ...(signal ? { signal } : {}),
  });
  if (typeof answer?.access_token !== 'string' || !answer.access_token) {
    throw new Error(
      `Walmart's token endpoint answered without an access_token: check that apiOrigin (${settings.apiOrigin}) is Walmart's API`,
    );
  }
  const expires = Number(answer.expires_in);
  return { accessToken: answer.access_token, expiresInSeconds: Number.isFinite(expires) ? expires : 900 };
}

/** The connection's access token: cached until shortly before its 900 s run out, minted once for all callers. */
export function walmartTokens(context: Context): TokenSource {
  const { settings, secrets } = context;
  return tokenSource({
    connection: context.connectionId,
    name: TOKEN_NAME,
    identity: `${settings.apiOrigin}\u0000${secrets.clientId}\u0000${secrets.clientSecret}`,
    mint: (signal) => mint(context, signal),
  });
}
