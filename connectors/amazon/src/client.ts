import {
  type ConnectionContext,
  createVendorClient,
  type VendorAnswer,
  VendorError,
  type VendorProblem,
  type VendorRequest,
  withRetries,
} from '@switchyard/core';
import { bucketFor, type Operation, statedRate, type TokenBucket, TooLongWait } from './rate-limit.ts';
import { apiBase, type Secrets, type Settings } from './settings.ts';
import { lwaTokens } from './token.ts';

/**
 * The SP-API client of one connection, hand-written on core's vendor client (the official SDK brings @babel/cli
 * and superagent as runtime dependencies, and the community one its own retry loop and rate limiter, which
 * would fight this one). What it adds to core's: the LWA access token in `x-amz-access-token` (minted again
 * once when Amazon says it expired), a token bucket per operation (rate-limit.ts) taken before every attempt and
 * corrected by `x-amzn-RateLimit-Limit`, a 429 waited out at the operation's restore rate, and Amazon's error
 * bodies (`{errors: [{code, message, details}]}`) worded with what to do.
 */
export interface AmazonApi {
  json<T>(
    operation: Operation,
    method: string,
    path: string,
    options: AmazonRequest & { notFound: 'undefined' },
  ): Promise<T | undefined>;
  json<T>(operation: Operation, method: string, path: string, options: AmazonRequest): Promise<T>;
}

export type AmazonRequest = Omit<VendorRequest, 'retry' | 'query'> & {
  /** Arrays are sent comma-separated, as the SP-API models' `collectionFormat: csv` asks. */
  query?: Record<string, string | number | boolean | readonly string[] | null | undefined>;
};

/** What to do about an Amazon error, by operation and HTTP status. */
function fixFor(status: number, code: string | undefined, operation?: Operation): string | undefined {
  if (status === 400 && operation === 'confirmShipment') {
    return 'check the package against the order: carrierCode (a carrier Amazon has no code for goes as Other with carrierName), trackingNumber, shipDate, and each orderItemId with a quantity no more than is left to ship; an order shipped with a label bought through Amazon (Buy Shipping, Ship+) is confirmed by Amazon and refuses this call';
  }
  if (status === 400) {
    return code === 'InvalidInput' || code === 'INVALID_INPUT' || !code
      ? 'Amazon refused the request as invalid: correct the value its message names, then try again'
      : undefined;
  }
  if (status === 401 || status === 403) {
    return "check that the seller authorized this app (secrets.refreshToken), that the app has the roles this call needs (Inventory and Order Tracking for orders, Direct-to-Consumer Shipping for buyers' addresses, Product Listing for stock) and that settings.region is the seller's";
  }
  if (status === 404)
    return 'Amazon has nothing by that id for this seller: check the id and settings.marketplaceIds';
  return undefined;
}

/** Amazon's error body, in words. */
export function amazonProblem(
  { status, text }: VendorAnswer,
  operation?: Operation,
): VendorProblem | undefined {
  if (status < 400) return undefined;
  const body = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown; details?: unknown }[] };
  const errors = Array.isArray(body.errors) ? body.errors : [];
  if (!errors.length) return undefined;
  const code = typeof errors[0]?.code === 'string' ? errors[0].code : undefined;
  const message = errors
    .map((e) => [e.message, e.details].filter((t) => typeof t === 'string' && t).join(': '))
    .filter(Boolean)
    .join('; ');
  const fix = fixFor(status, code, operation);
  return { ...(code ? { code } : {}), ...(message ? { message } : {}), ...(fix ? { fix } : {}) };
}

/** A 403 that says the access token itself is stale (expired, revoked): worth one more try with a new one. */
function staleToken(error: VendorError): boolean {
  return error.status === 403 && /access token/i.test(error.message);
}

/**
 * How long one call of an operation may spend waiting for its bucket and Amazon's 429s, all attempts together.
 * searchOrders restores one call every 180 s: six attempts after 429s would wait up to 18 minutes, and a sync
 * renews its 600 s lease only after each page. 400 s is a paced page (180 s) and one retry after a 429 (180 s),
 * with room for the requests themselves; a call that would wait longer fails the sync, which resumes from that
 * page at its next run.
 */
export const WAIT_BUDGET_MS: Partial<Record<Operation, number>> = { searchOrders: 400_000 };

export function amazonApi(
  context: Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>,
): AmazonApi {
  const { settings, secrets, connectionId } = context;
  const tokens = lwaTokens(context);
  /** One call's client: `used` is the access token its last attempt sent, the one Amazon refused. */
  const client = (operation: Operation, bucket: TokenBucket, used: { token?: string }) =>
    createVendorClient({
      vendor: 'Amazon',
      baseUrl: apiBase(settings),
      auth: async () => {
        used.token = await tokens.token();
        return { 'x-amz-access-token': used.token };
      },
      headers: { 'user-agent': 'Switchyard/0.1 (Language=TypeScript)' },
      timeoutMs: settings.timeoutSeconds * 1000,
      // Amazon's pace is the bucket's: the header corrects its rate, and holds nothing.
      rateHeaders: ({ headers }) => {
        const rate = statedRate(headers);
        if (rate !== undefined) bucket.setRate(rate);
        return undefined;
      },
      redact: { values: [secrets.clientSecret, secrets.refreshToken] },
      problem: (answer) => amazonProblem(answer, operation),
      connection: connectionId,
    });

  async function json<T>(operation: Operation, method: string, path: string, options: AmazonRequest) {
    const bucket = bucketFor(connectionId, operation, settings.sandbox);
    const used: { token?: string } = {};
    const api = client(operation, bucket, used);
    const query = Object.fromEntries(
      Object.entries(options.query ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
    ) as VendorRequest['query'];
    const budget = WAIT_BUDGET_MS[operation];
    const deadline = budget === undefined ? Number.POSITIVE_INFINITY : Date.now() + budget;
    /** Why the call gave up waiting, in words: the budget, and what happens next. */
    const overBudget = (waitMs: number, cause: unknown) =>
      new Error(
        `Amazon throttles ${operation} for this seller (one call every ${+(1 / bucket.rate).toFixed(1)} s after its burst) and the next try would come in ${Math.ceil(waitMs / 1000)} s, past the ${Math.round(budget! / 1000)} s one call may wait (a sync renews its lease only between pages): this sync stops here and the next one resumes from this page. If it keeps happening, another process or app is calling ${operation} for the seller`,
        { cause },
      );
    let renewed = false;
    /** The wait of a Retry-After not waited for: beyond the call's budget. */
    let refusedWait: number | undefined;
    try {
      return await withRetries(
        async () => {
          // Every attempt spends a token at Amazon, so every attempt takes one here.
          await bucket.take(options.signal, Math.max(0, deadline - Date.now()));
          try {
            return await api.json<T>(method, path, { ...options, query, retry: false });
          } catch (error) {
            if (error instanceof VendorError && error.status === 429) bucket.drained();
            if (error instanceof VendorError && !renewed && staleToken(error)) {
              renewed = true;
              // The token this call sent, not one another call may have minted since.
              tokens.invalidate(used.token);
              throw Object.assign(error, { renew: true });
            }
            throw error;
          }
        },
        (error) => {
          if (!(error instanceof VendorError) || options.signal?.aborted) return { retry: false };
          if ((error as { renew?: boolean }).renew) return { retry: true, afterMs: 0 };
          // Amazon's Retry-After, when it sends one, beyond what the call may still wait: not waited for.
          if (error.retryable && error.retryAfterMs && Date.now() + error.retryAfterMs > deadline) {
            refusedWait = error.retryAfterMs;
            return { retry: false };
          }
          // A 429's wait is the bucket's (one restore interval); Retry-After, when Amazon sends one, comes first.
          return { retry: error.retryable, ...(error.retryAfterMs ? { afterMs: error.retryAfterMs } : {}) };
        },
        { attempts: 6, baseDelayMs: 250, ...(options.signal ? { signal: options.signal } : {}) },
      );
    } catch (error) {
      if (error instanceof TooLongWait) throw overBudget(error.waitMs, error);
      if (refusedWait !== undefined) throw overBudget(refusedWait, error);
      throw error;
    }
  }
  return { json } as AmazonApi;
}
