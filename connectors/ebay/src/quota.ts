import type { Budget, ConnectionContext } from '@switchyard/core';
import { ebayApi } from './client.ts';
import { applicationOf, type Secrets, type Settings } from './settings.ts';

/**
 * eBay limits its REST APIs by a call quota per application per time window (a day by default: Fulfillment API
 * 100,000 calls, Inventory API 2,000,000), not by a rate. The Developer Analytics API's getRateLimits says each
 * API's quota (`limit` calls per `timeWindow` seconds), so the connector spreads its calls evenly over the
 * window, `limit / timeWindow` calls a second: a backfill cannot spend the day's quota in its first hour and leave
 * the notifications' getOrder calls refused for the rest of the day, and a quota eBay raises (Application Growth
 * Check) is used at once. When the Analytics API cannot say, the settings' `…CallsPerDay` figures stand in.
 * The quota is the application's (the keyset's), whatever seller the calls are for: what eBay said is kept per
 * application, and the connections of one keyset share one budget (client.ts).
 */
type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;
type Paced = 'fulfillment' | 'inventory';

interface Rate {
  limit?: number;
  remaining?: number;
  reset?: string;
  timeWindow?: number;
}
interface RateLimitsResponse {
  rateLimits?: { apiContext?: string; apiName?: string; resources?: { name?: string; rates?: Rate[] }[] }[];
}

/** How long eBay's answer is trusted, and how long a failure to read it is (the fallback pace meanwhile). */
const KNOWN_MS = 10 * 60_000;
const UNKNOWN_MS = 60_000;

interface Known {
  until: number;
  perSecond: Partial<Record<Paced, number>>;
}
const known = new Map<string, Known>();
const reading = new Map<string, Promise<Known>>();

/** Calls per second the quota allows: the tightest of the API's rates (limit / timeWindow). */
export function perSecondOf(response: RateLimitsResponse, api: Paced): number | undefined {
  let tightest: number | undefined;
  for (const limits of response.rateLimits ?? []) {
    if ((limits.apiContext ?? 'sell').toLowerCase() !== 'sell') continue;
    if (!(limits.apiName ?? '').toLowerCase().includes(api)) continue;
    for (const resource of limits.resources ?? []) {
      for (const rate of resource.rates ?? []) {
        if (!rate.limit || !rate.timeWindow || rate.limit <= 0 || rate.timeWindow <= 0) continue;
        const perSecond = rate.limit / rate.timeWindow;
        if (tightest === undefined || perSecond < tightest) tightest = perSecond;
      }
    }
  }
  return tightest;
}

async function readLimits(context: Context, signal?: AbortSignal): Promise<Known> {
  try {
    const api = await ebayApi(context, 'analytics', signal);
    const response = await api.json<RateLimitsResponse>('GET', 'rate_limit/', {
      query: { api_context: 'sell' },
      what: 'call limits (getRateLimits)',
      retry: { attempts: 2 },
    });
    const perSecond: Known['perSecond'] = {};
    for (const api of ['fulfillment', 'inventory'] as const) {
      const figure = perSecondOf(response ?? {}, api);
      if (figure !== undefined) perSecond[api] = figure;
    }
    return { until: Date.now() + KNOWN_MS, perSecond };
  } catch (error) {
    if (signal?.aborted) throw error;
    // The quota stays unknown for a minute (no Analytics access, eBay down): the configured figures pace meanwhile.
    return { until: Date.now() + UNKNOWN_MS, perSecond: {} };
  }
}

/** The request budget of one paced API (read once per ten minutes per application, shared by its callers). */
export async function pace(context: Context, api: Paced, signal?: AbortSignal): Promise<Budget> {
  const id = applicationOf(context.settings, context.secrets);
  let entry = known.get(id);
  if (!entry || entry.until <= Date.now()) {
    let pending = reading.get(id);
    if (!pending) {
      pending = readLimits(context, signal).finally(() => reading.delete(id));
      reading.set(id, pending);
    }
    entry = await pending;
    known.set(id, entry);
  }
  const perDay =
    api === 'fulfillment' ? context.settings.fulfillmentCallsPerDay : context.settings.inventoryCallsPerDay;
  return { perSecond: entry.perSecond[api] ?? perDay / 86_400, burst: 1 };
}

/** Forgets what eBay said of the application's quota (a 429: the next call reads it again). */
export function forgetPace(application: string): void {
  known.delete(application);
}
