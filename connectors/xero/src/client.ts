import {
  type ConnectionContext,
  createVendorClient,
  ReconnectNeededError,
  type VendorClient,
  VendorError,
} from '@switchyard/core';
import { AccountingApi } from 'xero-node';
import { dayLimitError, xeroProblem } from './errors.ts';
import { dayLimitReset, observeLimits, tenantBudget, withinConcurrency, xeroRateHeaders } from './limits.ts';
import type { Secrets, Settings } from './settings.ts';
import { vendorAdapter } from './transport.ts';

type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'authorization'>;

/** The Accounting API of one connection's organisation, for the calls of one action. */
export interface XeroAccounting {
  /**
   * One call through xero-node's AccountingApi (`run` gets the API and the tenant id to pass as
   * `xero-tenant-id`), answering its body. `what` names the call in errors ("invoice lookup").
   */
  call<T>(what: string, run: (api: AccountingApi, tenant: string) => Promise<{ body: T }>): Promise<T>;
  /** The organisation the grant reaches (its tenant id). */
  tenant(): Promise<string>;
}

/** Longest Retry-After waited within a call (a minute limit asks for under 60 s). */
const MAX_RETRY_AFTER_MS = 120_000;

/**
 * The connection's Accounting API. xero-node builds each request (paths, query, `xero-tenant-id`,
 * `Idempotency-Key`, the JSON of its models) and reads each answer (its models, "/Date(…)/" turned into Dates);
 * the request itself goes through core's vendor client (transport.ts): the organisation's pace, 5 calls in
 * progress at most, Retry-After waited (bounded, abortable), a timeout, errors in words without the token.
 * The access token is the grant's (`context.authorization`), asked for on each call; a 401 tells the hub the
 * token was refused and the call is made once more with a fresh one.
 */
export function xeroAccounting(context: Context, signal: AbortSignal): XeroAccounting {
  const { settings } = context;
  const basePath = `${settings.apiOrigin}/api.xro/2.0`;

  const vendor = (tenant: string, token: string): VendorClient =>
    createVendorClient({
      vendor: 'Xero',
      baseUrl: basePath,
      auth: () => ({ authorization: `Bearer ${token}` }),
      budget: tenantBudget(tenant),
      connection: context.connectionId,
      timeoutMs: settings.timeoutSeconds * 1000,
      rateHeaders: xeroRateHeaders,
      problem: xeroProblem,
      retry: { maxRetryAfterMs: MAX_RETRY_AFTER_MS },
      fetch: (input, init) =>
        withinConcurrency(
          tenant,
          async () => {
            const response = await globalThis.fetch(input, init);
            // Read within the gate: a call is in progress at Xero until its answer is read.
            const body = [101, 204, 205, 304].includes(response.status) ? null : await response.arrayBuffer();
            const read = new Response(body, {
              status: response.status,
              statusText: response.statusText,
              headers: response.headers,
            });
            return observeLimits(tenant, read, Date.now());
          },
          init?.signal ?? undefined,
        ),
    });

  const grant = () => {
    if (!context.authorization) {
      throw new ReconnectNeededError(context.connectionId, 'it was never authorized with Xero');
    }
    return context.authorization;
  };

  return {
    async tenant() {
      return (await grant().token(signal)).account;
    },
    async call(what, run) {
      const access = grant();
      for (let attempt = 1; ; attempt++) {
        const { accessToken, account } = await access.token(signal);
        const spent = dayLimitReset(account, Date.now());
        if (spent !== undefined) throw dayLimitError(account, spent, Date.now(), what);
        const failure: { error?: unknown } = {};
        const api = new AccountingApi(basePath);
        // xero-node puts the token in the Authorization header; transport.ts hands it to core's client instead,
        // which keeps it out of every error and log line.
        api.accessToken = accessToken;
        api.setDefaultAuthentication({
          applyToRequest: (options: Record<string, unknown>) => {
            options.adapter = vendorAdapter(vendor(account, accessToken), { signal, what, failure });
          },
        });
        try {
          return (await run(api, account)).body;
        } catch (thrown) {
          const error = failure.error ?? unexpected(thrown, what);
          if (error instanceof VendorError && error.status === 401 && attempt === 1) {
            access.invalidate(accessToken);
            continue;
          }
          const reset = dayLimitReset(account, Date.now());
          if (error instanceof VendorError && error.code === 'day_limit' && reset !== undefined) {
            throw dayLimitError(account, reset, Date.now(), what);
          }
          throw error;
        }
      }
    },
  };
}

/**
 * What xero-node threw when the transport did not fail: a check of its own ("Required parameter … was null"),
 * or its JSON string of an answer it refused. Kept in words.
 */
function unexpected(thrown: unknown, what: string): unknown {
  if (thrown instanceof Error) return thrown;
  return new VendorError({
    vendor: 'Xero',
    request: what,
    what,
    code: 'xero-node',
    message: typeof thrown === 'string' ? thrown.slice(0, 300) : 'xero-node failed without an answer',
    retryable: false,
  });
}
