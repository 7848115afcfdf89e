import { randomUUID } from 'node:crypto';
import {
  type ConnectionContext,
  createVendorClient,
  type VendorClient,
  VendorError,
  type VendorRequest,
} from '@switchyard/core';
import { walmartProblem } from './errors.ts';
import type { Secrets, Settings } from './settings.ts';
import { observeAnswer, operationOf, takeToken } from './throttle.ts';
import { walmartTokens } from './token.ts';

type Context = Pick<ConnectionContext<Settings, Secrets>, 'connectionId' | 'settings' | 'secrets'>;

/**
 * The Marketplace API client of one connection, hand-written on core's vendor client (Walmart publishes no
 * maintained Node client). Every call carries what Walmart requires: `WM_SEC.ACCESS_TOKEN` (a client-credentials
 * token, cached), `WM_QOS.CORRELATION_ID` (a fresh UUID for each request, retries included), `WM_SVC.NAME`,
 * `Accept: application/json`, and `WM_CONSUMER.CHANNEL.TYPE` when configured. Each request first takes a token
 * from its operation's bucket (throttle.ts) and corrects the bucket by Walmart's answer headers. A 401 means the
 * token was revoked or expired early: it is forgotten, a new one minted, and the call made once more.
 */
export function walmartClient(context: Context): VendorClient {
  const { settings } = context;
  const tokens = walmartTokens(context);
  const key = `${context.connectionId}\u0000${settings.apiOrigin}`;
  const api = createVendorClient({
    vendor: 'Walmart',
    baseUrl: settings.apiOrigin,
    auth: async () => ({ 'WM_SEC.ACCESS_TOKEN': await tokens.token() }),
    headers: {
      accept: 'application/json',
      'WM_SVC.NAME': settings.svcName,
      ...(settings.channelType ? { 'WM_CONSUMER.CHANNEL.TYPE': settings.channelType } : {}),
    },
    redact: { values: [context.secrets.clientId, context.secrets.clientSecret] },
    timeoutMs: settings.timeoutSeconds * 1000,
    // Walmart's own rate headers are read by the operation's bucket below, not as a hold of the connection.
    rateHeaders: false,
    problem: (answer) => walmartProblem(answer),
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const operation = operationOf((init?.method ?? 'GET').toUpperCase(), url);
      await takeToken(key, operation, init?.signal ?? undefined);
      const headers = new Headers(init?.headers);
      headers.set('WM_QOS.CORRELATION_ID', randomUUID());
      const response = await fetch(url, { ...init, headers });
      observeAnswer(key, operation, response);
      return response;
    },
  });

  /** The call, made once more with a new token when Walmart refused the one it had (401). */
  async function once<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      // invalid_client is the token call's own refusal of the credentials: a new token cannot mend it.
      if (!(error instanceof VendorError) || error.status !== 401 || error.code === 'invalid_client')
        throw error;
      tokens.invalidate();
      return call();
    }
  }

  return {
    request: ((method: string, path: string, options?: VendorRequest) =>
      once(() => api.request(method, path, options))) as VendorClient['request'],
    json: ((method: string, path: string, options?: VendorRequest) =>
      once(() => api.json(method, path, options))) as VendorClient['json'],
  };
}
