import {
  abortableSleep,
  type PullPage,
  type PullRequest,
  type RetryVerdict,
  retryAfterMs,
  withRetries,
} from '@switchyard/core';
import WooCommerceRestApi from '@woocommerce/woocommerce-rest-api';

export interface ApiSettings {
  siteUrl: string;
  pageSize: number;
  requestsPerSecond: number;
  timeoutSeconds: number;
}
export interface ApiSecrets {
  consumerKey?: string | undefined;
  consumerSecret?: string | undefined;
}

interface AxiosLikeError {
  code?: string;
  response?: { status: number; headers: Record<string, string | undefined> };
}

/** 429 and 5xx from the host, timeouts and dropped connections are worth another try; the rest is not. */
export function classify(error: unknown): RetryVerdict {
  const e = error as AxiosLikeError;
  const status = e.response?.status;
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    const after = retryAfterMs(e.response?.headers['retry-after']);
    return after === undefined ? { retry: true } : { retry: true, afterMs: after };
  }
  if (status !== undefined) return { retry: false };
  return {
    retry: ['ECONNABORTED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'ERR_NETWORK'].includes(
      e.code ?? '',
    ),
  };
}

/** A readable reason for a failed call, without credentials (axios errors carry the request config). */
function reason(error: unknown, what: string): Error {
  const e = error as AxiosLikeError & { message?: string };
  const status = e.response?.status;
  if (status === 401 || status === 403) {
    return new Error(
      `WooCommerce refused the API credentials for ${what} (${status}): check consumerKey and consumerSecret and their read permission`,
    );
  }
  return new Error(
    `WooCommerce ${what} failed: ${status ? `HTTP ${status}` : (e.code ?? e.message ?? 'unknown error')}`,
  );
}

/** The per-connection request budget: calls of one connection are spaced by 1/requestsPerSecond. */
const nextSlot = new Map<string, number>();
async function budget(connectionId: string, perSecond: number, signal: AbortSignal) {
  const now = Date.now();
  const at = Math.max(now, nextSlot.get(connectionId) ?? 0);
  nextSlot.set(connectionId, at + 1000 / perSecond);
  if (at > now) await abortableSleep(at - now, signal);
}

interface Cursor {
  page: number;
  since: string | null;
}

/**
 * Orders modified at or after `since`, oldest change first, a page at a time
 * (`X-WP-TotalPages` says when to stop). The cursor holds the page and the `since`
 * of the run, so a resumed sync asks for the same listing.
 */
export async function* pullOrders(
  connectionId: string,
  settings: ApiSettings,
  secrets: ApiSecrets,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  if (!secrets.consumerKey || !secrets.consumerSecret) {
    throw new Error(
      'pulling needs secrets.consumerKey and secrets.consumerSecret (WooCommerce › Settings › Advanced › REST API, read access)',
    );
  }
  const api = new WooCommerceRestApi({
    url: settings.siteUrl,
    consumerKey: secrets.consumerKey,
    consumerSecret: secrets.consumerSecret,
    version: 'wc/v3',
    timeout: settings.timeoutSeconds * 1000,
    axiosConfig: { signal: request.signal },
  });
  const start: Cursor = request.cursor
    ? (JSON.parse(request.cursor) as Cursor)
    : { page: 1, since: request.since ? new Date(request.since.getTime() - 1000).toISOString() : null };
  for (let page = start.page; ; page++) {
    const params: Record<string, string | number | boolean> = {
      orderby: 'modified',
      order: 'asc',
      per_page: settings.pageSize,
      page,
    };
    if (start.since) {
      params.modified_after = start.since;
      params.dates_are_gmt = true;
    }
    let response: { data: unknown; headers: Record<string, string | undefined> };
    try {
      response = await withRetries(
        async () => {
          await budget(connectionId, settings.requestsPerSecond, request.signal);
          return (await api.get('orders', params)) as typeof response;
        },
        classify,
        { signal: request.signal },
      );
    } catch (error) {
      throw reason(error, `orders page ${page}`);
    }
    const orders = Array.isArray(response.data)
      ? (response.data as { id: number; date_modified_gmt?: string }[])
      : [];
    const totalPages = Number(response.headers['x-wp-totalpages'] ?? '1') || 1;
    let watermark: string | undefined;
    for (const o of orders) {
      const modified = o.date_modified_gmt ? `${o.date_modified_gmt.replace(/Z$/, '')}Z` : undefined;
      if (modified && (!watermark || modified > watermark)) watermark = modified;
    }
    yield {
      records: orders.map((o) => ({
        // The same key as the order's webhook delivery: a state that arrived by webhook is a duplicate here.
        dedupeKey: `order:${o.id}@${o.date_modified_gmt}`,
        body: new Uint8Array(Buffer.from(JSON.stringify(o))),
        contentType: 'application/json',
      })),
      cursor:
        page < totalPages && orders.length
          ? JSON.stringify({ page: page + 1, since: start.since } satisfies Cursor)
          : null,
      ...(watermark ? { watermark } : {}),
    };
    if (page >= totalPages || !orders.length) return;
  }
}
