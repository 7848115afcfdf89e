import {
  abortableSleep,
  type ConnectionContext,
  createVendorClient,
  ReconnectNeededError,
  VendorError,
  type VendorRequest,
} from '@switchyard/core';
import { quickbooksProblem } from './errors.ts';
import type { EntityName } from './qbo-types.ts';
import { apiOriginOf, MINOR_VERSION, type Secrets, type Settings } from './settings.ts';
import { enterGate, QUICKBOOKS_LIMITS, type RealmLimits, realmBudget } from './throttle.ts';

type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'authorization'>;

export interface QuickBooksApiOptions {
  /** The realm's limits (default QuickBooks' own: 500 a minute, 10 back to back, 10 at once). */
  limits?: Partial<RealmLimits>;
  /** Waits (a 429's 60 s, the realm's pace); tests pass a fake. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
}

/** How long QuickBooks may take to answer one request (its documented request timeout). */
export const REQUEST_TIMEOUT_MS = 120_000;

/** A query's answer: the entity's list under its name, and the paging QuickBooks did. */
export interface QueryResponse {
  startPosition?: number;
  maxResults?: number;
  [entity: string]: unknown;
}

/**
 * The accounting API of one connection, hand-written on core's vendor client (see the README: node-quickbooks
 * has a callback design of its own). Every call:
 * - takes the connection's access token and realm from `context.authorization` (the hub keeps and refreshes
 *   the grant), sends `Authorization: Bearer`, `Accept: application/json`, and `?minorversion=75`;
 * - reaches `{apiOrigin}/v3/company/{realm}/…`;
 * - keeps to the realm's pace and concurrency (throttle.ts), waits 60 s after a 429 (abortable, at most three
 *   times), gives up after 120 s without an answer;
 * - on a 401 tells the grant the token was refused (`invalidate`) and is made once more with a fresh one;
 * - turns a Fault into a VendorError in QuickBooks' words, with what to do (errors.ts).
 */
export function quickbooksApi(context: Context, options: QuickBooksApiOptions = {}) {
  const origin = apiOriginOf(context.settings);
  const limits = { ...QUICKBOOKS_LIMITS, ...options.limits };
  const sleep = options.sleep ?? abortableSleep;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function grant(signal?: AbortSignal) {
    const access = context.authorization;
    if (!access) {
      throw new ReconnectNeededError(
        context.connectionId,
        'it has no QuickBooks authorization: the merchant has not connected a company yet',
      );
    }
    return access.token(signal);
  }

  function client(accessToken: string, realm: string) {
    // One budget, one hold and one gate per company, whichever connection calls it.
    const key = `quickbooks\u0000${origin}\u0000${realm}`;
    return createVendorClient({
      vendor: 'QuickBooks Online',
      baseUrl: `${origin}/v3/company/${encodeURIComponent(realm)}/`,
      auth: () => ({ authorization: `Bearer ${accessToken}` }),
      headers: { accept: 'application/json' },
      budget: realmBudget(key, limits),
      connection: context.connectionId,
      timeoutMs: REQUEST_TIMEOUT_MS,
      // At most three 60 s pauses for one call; a longer refusal fails the step, which is retried later.
      retry: { attempts: 4, maxRetryAfterMs: 120_000, sleep },
      rateHeaders: false,
      problem: (answer) => quickbooksProblem(answer),
      fetch: async (input, init) => {
        const release = await enterGate(key, limits.concurrent, init?.signal ?? undefined);
        try {
          const response = await doFetch(input, init);
          // Read whole inside the gate: an answer still arriving is a request still in flight for Intuit.
          const body = [204, 205, 304].includes(response.status) ? null : await response.arrayBuffer();
          return new Response(body, {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          });
        } finally {
          release();
        }
      },
    });
  }

  /** One accounting call, made again once with a fresh token when QuickBooks refused the one it had. */
  async function call<T>(method: string, path: string, o: VendorRequest): Promise<T> {
    const request = { ...o, query: { ...o.query, minorversion: MINOR_VERSION } };
    let { accessToken, account } = await grant(o.signal);
    try {
      return await client(accessToken, account).json<T>(method, path, request);
    } catch (error) {
      if (!(error instanceof VendorError) || error.status !== 401) throw error;
      context.authorization!.invalidate(accessToken);
      ({ accessToken, account } = await grant(o.signal));
      return client(accessToken, account).json<T>(method, path, request);
    }
  }

  return {
    /** The company the connection reaches. */
    async realm(signal?: AbortSignal): Promise<string> {
      return (await grant(signal)).account;
    },
    /** `GET /{entity}/{id}`: the entity, or undefined when QuickBooks has no such object (610 / 404). */
    async read<T>(entity: EntityName, id: string, signal?: AbortSignal): Promise<T | undefined> {
      try {
        const answer = await call<Record<string, T>>(
          'GET',
          `${entity.toLowerCase()}/${encodeURIComponent(id)}`,
          {
            what: `${entity} ${id}`,
            ...(signal ? { signal } : {}),
          },
        );
        return answer?.[entity];
      } catch (error) {
        if (error instanceof VendorError && (error.code === '610' || error.status === 404)) return undefined;
        throw error;
      }
    },
    /** `GET /query?query=…` (a metered CorePlus read): the QueryResponse. */
    async query(statement: string, signal?: AbortSignal): Promise<QueryResponse> {
      const answer = await call<{ QueryResponse?: QueryResponse }>('GET', 'query', {
        query: { query: statement },
        what: `query (${statement.split(/\s+/).slice(0, 4).join(' ')} …)`,
        ...(signal ? { signal } : {}),
      });
      return answer?.QueryResponse ?? {};
    },
    /**
     * `POST /{entity}?requestid=…`: creates once. QuickBooks answers a repeated requestid with the first
     * answer, so a lost answer is asked again safely (the call counts as idempotent).
     */
    async create<T>(entity: EntityName, body: object, requestid: string, signal?: AbortSignal): Promise<T> {
      const answer = await call<Record<string, T>>('POST', entity.toLowerCase(), {
        json: body,
        query: { requestid },
        idempotent: true,
        what: `${entity} create`,
        ...(signal ? { signal } : {}),
      });
      const created = answer?.[entity];
      if (!created) {
        throw new Error(`QuickBooks answered the ${entity} create without the ${entity}: report it`);
      }
      return created;
    },
    /** `GET /cdc?entities=…&changedSince=…` (one metered read): the changed objects, grouped by entity. */
    async changes(entities: EntityName[], since: Date, signal?: AbortSignal) {
      const answer = await call<{ CDCResponse?: { QueryResponse?: QueryResponse[] }[] }>('GET', 'cdc', {
        // Whole seconds, as Intuit's examples write it (2026-11-05T12:00:00Z).
        query: { entities: entities.join(','), changedSince: since.toISOString().replace(/\.\d{3}Z$/, 'Z') },
        what: `change data capture (${entities.join(', ')})`,
        ...(signal ? { signal } : {}),
      });
      return (answer?.CDCResponse ?? []).flatMap((r) => r.QueryResponse ?? []);
    },
    /** `GET /companyinfo/{realm}`: the company's name. */
    async companyName(signal?: AbortSignal): Promise<string | undefined> {
      const { account } = await grant(signal);
      const answer = await call<{ CompanyInfo?: { CompanyName?: string } }>(
        'GET',
        `companyinfo/${encodeURIComponent(account)}`,
        { what: 'company info', ...(signal ? { signal } : {}) },
      );
      return answer?.CompanyInfo?.CompanyName || undefined;
    },
  };
}

export type QuickBooksApi = ReturnType<typeof quickbooksApi>;

/** A value in a query's single quotes: backslash and quote escaped, as QuickBooks' query language wants. */
export function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
