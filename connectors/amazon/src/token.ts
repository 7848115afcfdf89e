import { type ConnectionContext, createVendorClient, type TokenSource, tokenSource } from '@switchyard/core';
import type { Secrets, Settings } from './settings.ts';

/**
 * Login with Amazon: the access token every SP-API call carries (`x-amz-access-token`), minted from the seller's
 * refresh token with the app's client id and secret, cached until shortly before its hour is up, minted by one
 * caller at a time per connection (core's tokenSource), and the client secret's 180-day rotation shown early in
 * the connection's health.
 */
const ROTATION_DAYS = 180;
const WARN_DAYS = 30;
const DAY_MS = 86_400_000;

const HOW_TO_ROTATE =
  "rotate it in Solution Provider Portal (Seller Central: Apps and Services › Develop Apps) › the app's LWA credentials › View › Rotate secret, or with the Application Management API's rotateApplicationClientSecret; put the new secret where secrets.clientSecret reads it and set settings.clientSecretRotatedAt to the day of the rotation (refresh tokens stay valid: no seller needs to authorize again)";

/** The day the client secret must be rotated by, from the settings, or undefined when they do not say. */
export function rotationDue(settings: Pick<Settings, 'clientSecretRotatedAt' | 'clientSecretExpiresAt'>) {
  if (settings.clientSecretExpiresAt) return new Date(`${settings.clientSecretExpiresAt}T00:00:00Z`);
  if (settings.clientSecretRotatedAt) {
    return new Date(Date.parse(`${settings.clientSecretRotatedAt}T00:00:00Z`) + ROTATION_DAYS * DAY_MS);
  }
  return undefined;
}

/**
 * The early warning for the connection's health: from 30 days before the client secret's rotation is due, when
 * it is and how to rotate it; after, that Amazon refuses it. Undefined before then, or when the settings do not
 * say when the secret was rotated.
 */
export function clientSecretNotice(
  settings: Pick<Settings, 'clientSecretRotatedAt' | 'clientSecretExpiresAt'>,
  now: Date,
): string | undefined {
  const due = rotationDue(settings);
  if (!due) return undefined;
  const days = Math.ceil((due.getTime() - now.getTime()) / DAY_MS);
  if (days > WARN_DAYS) return undefined;
  const day = due.toISOString().slice(0, 10);
  return days > 0
    ? `the LWA client secret must be rotated by ${day} (in ${days} day${days === 1 ? '' : 's'}), or every Amazon call fails from then on: ${HOW_TO_ROTATE}`
    : `the LWA client secret was due for rotation on ${day}: Amazon refuses it from that day, so every call fails; ${HOW_TO_ROTATE}`;
}

/** What Login with Amazon answers a failed token request with (RFC 6749 §5.2). */
const WORDS: Record<string, { message: string; fix: string }> = {
  invalid_grant: {
    message: 'Login with Amazon refused the refresh token',
    fix: 'the seller must authorize the app again (Seller Central › Apps and Services › Manage Your Apps, or the app’s authorization link); then put the new refresh token where secrets.refreshToken reads it',
  },
  invalid_client: {
    message: 'Login with Amazon refused the client id or secret',
    fix: `check secrets.clientId and secrets.clientSecret against the app's LWA credentials; a secret not rotated within 180 days is refused: ${HOW_TO_ROTATE}`,
  },
  unauthorized_client: {
    message: 'Login with Amazon refused this app the refresh-token grant',
    fix: 'check that the refresh token was issued to this app (secrets.clientId)',
  },
};

/** Asks Login with Amazon for an access token (form POST, refresh-token grant). */
export async function mintAccessToken(
  settings: Pick<Settings, 'tokenUrl' | 'timeoutSeconds'>,
  secrets: Pick<Secrets, 'clientId' | 'clientSecret' | 'refreshToken'>,
  signal?: AbortSignal,
): Promise<{ accessToken: string; expiresInSeconds: number }> {
  const lwa = createVendorClient({
    vendor: 'Login with Amazon',
    baseUrl: settings.tokenUrl,
    timeoutMs: settings.timeoutSeconds * 1000,
    retry: { attempts: 3, baseDelayMs: 250 },
    rateHeaders: false,
    redact: { values: [secrets.clientSecret, secrets.refreshToken] },
    problem({ status, text }) {
      if (status < 400) return undefined;
      const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
      if (typeof body.error !== 'string') return undefined;
      const described = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      const words = WORDS[body.error];
      return {
        code: body.error,
        message: `${words?.message ?? 'Login with Amazon refused the token request'}${described}`,
        ...(words ? { retryable: false, fix: words.fix } : {}),
      };
    },
  });
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: secrets.refreshToken,
    client_id: secrets.clientId,
    client_secret: secrets.clientSecret,
  });
  const answer = await lwa.json<{ access_token?: unknown; expires_in?: unknown }>('POST', settings.tokenUrl, {
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    // Minting twice costs nothing but a token: a lost answer may be asked again.
    idempotent: true,
    what: 'token request',
    ...(signal ? { signal } : {}),
  });
  if (typeof answer?.access_token !== 'string' || !answer.access_token) {
    throw new Error(
      `Login with Amazon answered ${settings.tokenUrl} without an access_token: check settings.tokenUrl`,
    );
  }
  const expires = Number(answer.expires_in);
  return { accessToken: answer.access_token, expiresInSeconds: Number.isFinite(expires) ? expires : 3600 };
}

/** The connection's LWA access tokens: one source per connection in this process, with the rotation notice. */
export function lwaTokens(
  context: Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>,
): TokenSource {
  const { settings, secrets } = context;
  return tokenSource({
    connection: context.connectionId,
    name: 'LWA access token',
    // A new secret or refresh token in the config starts afresh (hashed by core, never kept).
    identity: [settings.tokenUrl, secrets.clientId, secrets.clientSecret, secrets.refreshToken].join(
      '\u0000',
    ),
    mint: (signal) => mintAccessToken(settings, secrets, signal),
    notice: () => clientSecretNotice(settings, new Date()),
  });
}
