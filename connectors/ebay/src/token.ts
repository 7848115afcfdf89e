import { createHash } from 'node:crypto';
import {
  type ConnectionContext,
  createVendorClient,
  type MintedToken,
  type TokenSource,
  tokenSource,
  type VendorProblem,
} from '@switchyard/core';
import { APPLICATION_SCOPE, applicationOf, origins, type Secrets, type Settings } from './settings.ts';

type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;

/**
 * What the token endpoint's OAuth error codes (RFC 6749 §5.2) mean for the merchant. `invalid_grant` and
 * `invalid_client` keep their codes: the token source then shows the connection as "reconnect needed".
 */
const TOKEN_FIXES: Record<string, string> = {
  invalid_grant:
    'reconnect needed: eBay no longer accepts the seller’s refresh token (revoked, expired after about 18 months, or made for another keyset); have the seller grant access again and put the new refresh token in secrets.refreshToken',
  invalid_client:
    'reconnect needed: eBay refused the keyset; check secrets.clientId (App ID) and secrets.clientSecret (Cert ID) and that they belong to settings.environment',
  unauthorized_client: 'the keyset may not use this grant: check the application’s OAuth settings at eBay',
  invalid_scope:
    'settings.scopes asks for more than the seller granted: ask for the granted scopes only, or have the seller consent again',
};

/** eBay's token endpoint answers errors as `{ "error": "invalid_grant", "error_description": "..." }`. */
function tokenProblem({ status, text }: { status: number; text: string }): VendorProblem | undefined {
  if (status < 400) return undefined;
  const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
  if (typeof body.error !== 'string') return undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : body.error;
  const fix = TOKEN_FIXES[body.error];
  // The credential itself is refused: said in so many words, as core words a 401.
  const message = fix?.startsWith('reconnect') ? `refused: ${description}` : description;
  return {
    code: body.error,
    message,
    // A refused credential never mends by itself; 429 and 5xx stay the status's call.
    ...(fix ? { retryable: false, fix } : {}),
  };
}

/** One form POST to /identity/v1/oauth2/token with the keyset as Basic credentials. */
async function mint(
  context: Context,
  form: Record<string, string>,
  signal?: AbortSignal,
): Promise<MintedToken> {
  const { settings, secrets } = context;
  const basic = Buffer.from(`${secrets.clientId}:${secrets.clientSecret}`).toString('base64');
  const api = createVendorClient({
    vendor: 'eBay',
    baseUrl: `${origins(settings).auth}/identity/v1/oauth2/`,
    auth: () => ({ authorization: `Basic ${basic}` }),
    redact: { values: [secrets.refreshToken, secrets.clientSecret] },
    timeoutMs: settings.timeoutSeconds * 1000,
    problem: tokenProblem,
    // Not the connection's API budget: the token endpoint has limits of its own (per app per day).
    connection: context.connectionId,
  });
  const answer = await api.json<{ access_token?: string; expires_in?: number }>('POST', 'token', {
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    // Minting twice costs one more token, nothing else.
    idempotent: true,
    what: form.grant_type === 'refresh_token' ? 'user access token' : 'application access token',
    ...(signal ? { signal } : {}),
  });
  if (!answer?.access_token) throw new Error('eBay’s token endpoint answered without an access_token');
  return { accessToken: answer.access_token, expiresInSeconds: answer.expires_in ?? 7200 };
}

/**
 * The seller's user access token (about 2 hours), minted from the refresh token. Cached per connection by
 * core's token source and minted by one caller at a time: eBay counts token requests per application per day
 * (50,000 refresh_token grants), so a token is never minted per call.
 */
export function userToken(context: Context): TokenSource {
  const { settings, secrets } = context;
  const scope = settings.scopes.join(' ');
  return tokenSource({
    connection: context.connectionId,
    name: 'eBay user access token',
    identity: [
      origins(settings).auth,
      secrets.clientId,
      secrets.clientSecret,
      secrets.refreshToken,
      scope,
    ].join('\n'),
    mint: (signal) =>
      mint(context, { grant_type: 'refresh_token', refresh_token: secrets.refreshToken, scope }, signal),
    refreshBeforeMs: 5 * 60_000,
  });
}

/** An application token shared by the connections of one keyset (eBay allows 1,000 mints a day per application). */
interface SharedToken {
  value: string;
  expiresAt: number;
}
const shared = new Map<string, { token?: SharedToken; minting?: Promise<SharedToken> }>();
/** A shared token is handed out while it has this long left; nearer its end, the next asker mints a new one. */
const SHARED_MARGIN_MS = 10 * 60_000;

/**
 * The keyset a shared token belongs to. The secret is part of it: a connection configured with another Cert ID
 * never gets a token it could not mint itself.
 */
const sharedKey = ({ settings, secrets }: Context) =>
  createHash('sha256')
    .update([applicationOf(settings, secrets), secrets.clientSecret].join('\n'))
    .digest('hex');

/** The keyset's application token: the cached one, or one minted once for every connection that asks now. */
async function sharedApplicationToken(context: Context, signal?: AbortSignal): Promise<MintedToken> {
  const key = sharedKey(context);
  let entry = shared.get(key);
  if (!entry) {
    entry = {};
    shared.set(key, entry);
  }
  const held = entry;
  const left = (t: SharedToken) => t.expiresAt - Date.now();
  const cached = held.token && left(held.token) > SHARED_MARGIN_MS ? held.token : undefined;
  if (!cached && !held.minting) {
    held.minting = mint(context, { grant_type: 'client_credentials', scope: APPLICATION_SCOPE }, signal)
      .then((minted) => {
        held.token = { value: minted.accessToken, expiresAt: Date.now() + minted.expiresInSeconds * 1000 };
        return held.token;
      })
      .finally(() => delete held.minting);
  }
  const token = cached ?? (await held.minting!);
  return { accessToken: token.value, expiresInSeconds: Math.max(1, Math.floor(left(token) / 1000)) };
}

/** Forgets the keyset's shared application token when eBay refused it (and only that one). */
function forgetSharedToken(context: Context, refused: string | undefined): void {
  const entry = shared.get(sharedKey(context));
  if (entry?.token && (refused === undefined || entry.token.value === refused)) delete entry.token;
}

/**
 * The application access token (client credentials, about 2 hours): the Notification API's public keys and the
 * Analytics API's call limits want it. eBay allows 1,000 of these a day per application, so one token serves
 * every connection of the keyset in the process: each connection keeps its own token source (its health shows
 * the token's state under the connection), whose mint hands out the keyset's shared token, minted once.
 */
export function applicationToken(context: Context): TokenSource {
  const { settings, secrets } = context;
  const source = tokenSource({
    connection: context.connectionId,
    name: 'eBay application access token',
    identity: [origins(settings).auth, secrets.clientId, secrets.clientSecret].join('\n'),
    mint: (signal) => sharedApplicationToken(context, signal),
    refreshBeforeMs: 5 * 60_000,
  });
  return {
    token: (signal) => source.token(signal),
    invalidate(refused) {
      forgetSharedToken(context, refused);
      source.invalidate(refused);
    },
  };
}
