import { type ActionContext, PermanentError, scrub, withinBudget } from '@switchyard/core';
import Stripe from 'stripe';
import type { StripeSecrets, StripeSettings } from './settings.ts';

/** The Stripe API version this connector speaks; pinned here and nowhere else. */
export const API_VERSION = '2026-10-28.endive' as const;

export type StripeActionContext = ActionContext<StripeSettings, StripeSecrets>;

/** A Stripe client for a connection: the pinned API version, timeouts, client-side retries. */
export function stripeClient(settings: StripeSettings, secretKey: string): Stripe {
  const origin = settings.apiOrigin ? new URL(settings.apiOrigin) : undefined;
  return new Stripe(secretKey, {
    apiVersion: API_VERSION,
    timeout: settings.timeoutSeconds * 1000,
    maxNetworkRetries: settings.maxNetworkRetries,
    appInfo: { name: 'switchyard' },
    telemetry: false,
    ...(origin
      ? {
          host: origin.hostname,
          port: Number(origin.port || (origin.protocol === 'https:' ? 443 : 80)),
          protocol: origin.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

/** One client per action call (the context object), so retries inside one step share its connection pool. */
const clients = new WeakMap<object, Stripe>();
export function clientFor(context: StripeActionContext): Stripe {
  let client = clients.get(context);
  if (!client) {
    client = stripeClient(context.settings, context.secrets.secretKey);
    clients.set(context, client);
  }
  return client;
}

/**
 * A Stripe failure in words to act on. Refused input, permissions and state conflicts become PermanentError
 * (retrying cannot mend them); rate limits, connection trouble and Stripe's own 5xx stay retryable. The
 * client has already retried those under the same idempotency key before this is thrown. The key never
 * appears in the words, whatever Stripe's message held (core's `scrub`).
 */
function failure(error: unknown, what: string, secrets: StripeSecrets): Error {
  const e = error as { type?: string; statusCode?: number; code?: string; message?: string; raw?: unknown };
  const message = scrub(
    `Stripe ${what} failed: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}`,
    [secrets.secretKey],
  );
  switch (e.type) {
    case 'StripeCardError':
    case 'StripeInvalidRequestError':
    case 'StripePermissionError':
    case 'StripeIdempotencyError':
      return new PermanentError(message, { cause: error });
    case 'StripeAuthenticationError':
      return new PermanentError(
        `Stripe refused the API key for the ${what}: check secrets.secretKey (and that a restricted key may write PaymentIntents, Refunds, Customers and Invoices)`,
        { cause: error },
      );
    default:
      return new Error(message, { cause: error });
  }
}

/** The connection's pace: what it sets, or by the key's mode (see StripeSettings.requestsPerSecond). */
const paceOf = (context: StripeActionContext) =>
  context.settings.requestsPerSecond ?? (/^(sk|rk)_live_/.test(context.secrets.secretKey) ? 80 : 20);

/** One Stripe call of the connection: within its request budget, failing in words to act on. */
export async function call<T>(context: StripeActionContext, what: string, run: () => Promise<T>): Promise<T> {
  try {
    await withinBudget(
      `stripe:${context.connectionId}`,
      { perSecond: paceOf(context), burst: 10 },
      context.signal,
    );
    return await run();
  } catch (error) {
    throw failure(error, what, context.secrets);
  }
}
