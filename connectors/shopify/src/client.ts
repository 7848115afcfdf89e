import { createVendorClient, type VendorAnswer, VendorError, type VendorProblem } from '@switchyard/core';
import { parseExact } from './json.ts';
import { throughLibrary } from './library-fetch.ts';

/** The Admin API version this connector speaks; pinned here and nowhere else. */
export const API_VERSION = '2026-07';

/** What the client needs of a connection. `apiOrigin` sends calls elsewhere than https://<shop> (a proxy, a fake). */
export interface ClientSettings {
  shop: string;
  timeoutSeconds: number;
  apiOrigin?: string | undefined;
}

/**
 * Shopify meters GraphQL with a leaky bucket of query points. Every answer says how full it is
 * (`extensions.cost.throttleStatus`) and what the query asked (`requestedQueryCost`).
 */
export interface Bucket {
  available: number;
  max: number;
  restoreRate: number;
  /** When the answer was read (ms since the epoch). */
  at: number;
  /** The last query's requested cost. */
  cost: number;
}

interface Cost {
  requestedQueryCost?: number | null;
  throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } | null;
}
interface GraphqlAnswer<T> {
  data?: T;
  errors?: { message?: string; extensions?: { code?: string } }[] | string;
  extensions?: { cost?: Cost };
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /**
   * Whether repeating the call cannot repeat its effect: every query, and mutations that set a state or carry
   * Shopify's @idempotent key. A mutation that is not is repeated only when Shopify surely did not run it
   * (THROTTLED, 429, a refused connection), never after a lost answer.
   */
  idempotent?: boolean;
  /** Attempts in all (default 6). */
  attempts?: number;
}

export interface ShopifyClient {
  /** One GraphQL call; refusals and failures become plain errors naming `what` and, for a token, `scopes`. */
  graphql<T>(what: string, query: string, variables: object, options?: CallOptions): Promise<T>;
  /** The bucket as the last answer left it; undefined before any. */
  bucket(): Bucket | undefined;
  /** How long until the bucket can pay the last query's cost again (0: now). */
  refillWait(): number;
  /** Whether a failure means the query costs more than Shopify will ever run: a page too large, to halve. */
  tooCostly(error: unknown): boolean;
}

/**
 * The GraphQL Admin API on core's vendor client (timeouts, retries honouring Retry-After, errors without the
 * token). Shopify's own reading of an answer goes in `problem`: a 200 carrying `errors` is a failure, and
 * THROTTLED among them is retried once the bucket has refilled for the query's cost.
 *
 * The wire is Shopify's client library, shopify-api-node (DESIGN.md's testing rule: the real client in the
 * loop), as the `fetch` core's client calls (library-fetch.ts). The library holds the access token and puts it
 * on each request itself, so the token never passes through core's client; core only knows it to redact it
 * from any error text (a proxy that echoes the request).
 */
export function shopifyClient(
  settings: ClientSettings,
  accessToken: string,
  scopes: string,
  /** The connection the calls are made for: its vendor calls are counted under it (metrics, health). */
  connection?: string,
): ShopifyClient {
  let bucket: Bucket | undefined;
  const observe = (cost: Cost | undefined) => {
    const status = cost?.throttleStatus;
    if (!status) return;
    bucket = {
      available: status.currentlyAvailable,
      max: status.maximumAvailable,
      restoreRate: status.restoreRate,
      at: Date.now(),
      cost: cost.requestedQueryCost ?? 0,
    };
  };
  const refillWait = () => {
    if (!bucket) return 0;
    const now = bucket.available + ((Date.now() - bucket.at) / 1000) * bucket.restoreRate;
    return now >= bucket.cost ? 0 : Math.ceil(((bucket.cost - now) / bucket.restoreRate) * 1000);
  };
  // A query asking more than the whole bucket holds is THROTTLED for ever: waiting cannot help.
  const neverPaid = () => bucket !== undefined && bucket.cost > bucket.max;

  const problem = ({ status, text }: VendorAnswer): VendorProblem | undefined => {
    // Only an answer naming `errors` is parsed here; a page of orders is parsed once, by `json`.
    if (!text.includes('"errors"')) return undefined;
    const body = JSON.parse(text) as GraphqlAnswer<unknown>;
    if (!Array.isArray(body.errors) || !body.errors.length) return undefined;
    const [first] = body.errors;
    const code = first?.extensions?.code;
    const message = first?.message ?? 'no message';
    if (status < 200 || status > 299) return { ...(code ? { code } : {}), message };
    if (code !== 'THROTTLED') return { ...(code ? { code } : {}), message, retryable: false };
    observe(body.extensions?.cost);
    return neverPaid()
      ? { code, message, retryable: false }
      : { code, message, retryable: true, retryAfterMs: refillWait() };
  };

  const api = createVendorClient({
    vendor: 'Shopify',
    baseUrl: `${settings.apiOrigin ?? `https://${settings.shop}`}/admin/api/${API_VERSION}`,
    redact: { values: [accessToken] },
    timeoutMs: settings.timeoutSeconds * 1000,
    problem,
    parseJson: parseExact,
    fetch: throughLibrary(settings.shop, accessToken),
    ...(connection ? { connection } : {}),
  });

  return {
    async graphql<T>(what: string, query: string, variables: object, options: CallOptions = {}) {
      try {
        const answer = await api.json<GraphqlAnswer<T>>('POST', 'graphql.json', {
          json: { query, variables },
          what,
          idempotent: options.idempotent ?? true,
          retry: { attempts: options.attempts ?? 6 },
          ...(options.signal ? { signal: options.signal } : {}),
        });
        observe(answer?.extensions?.cost);
        return answer?.data as T;
      } catch (error) {
        throw failure(error, what, scopes);
      }
    },
    bucket: () => bucket,
    refillWait,
    tooCostly(error) {
      const cause = (error as { cause?: unknown }).cause;
      if (!(cause instanceof VendorError)) return false;
      return cause.code === 'MAX_COST_EXCEEDED' || (cause.code === 'THROTTLED' && neverPaid());
    },
  };
}

/** A failed call in words to act on: a refused token names the scopes it needs. The original stays the cause. */
export function failure(error: unknown, what: string, scopes: string): Error {
  if (!(error instanceof VendorError)) return error as Error; // the caller's abort, as it was given
  return new Error(
    error.status === 401 || error.status === 403
      ? `Shopify refused the access token (${error.status}) for the ${what}: check secrets.accessToken and that it has ${scopes}`
      : error.message,
    { cause: error },
  );
}
