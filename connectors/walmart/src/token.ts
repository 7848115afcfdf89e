import { randomUUID } from 'node:crypto';
import {
  type ConnectionContext,
  createVendorClient,
  type MintedToken,
  type TokenSource,
  tokenSource,
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

/**
 * `POST /v3/token` with the client credentials: a 15-minute access token. A refusal of the credentials (400 or
 * 401) is a VendorError with code `invalid_client`, so the connection's health shows "reconnect needed"
 * instead of every call failing the same way.
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
    rateHeaders: false,
    problem: (answer) => {
      const problem = walmartProblem(answer);
      if (!problem || (answer.status !== 400 && answer.status !== 401)) return problem;
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
