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
  /** One call's client: `used` is the access token its last attempt sent, the one a 401 refused. */
  const client = (used: { token?: string }) =>
    createVendorClient({
      vendor: 'Walmart',
      baseUrl: settings.apiOrigin,
      auth: async () => {
        used.token = await tokens.token();
        return { 'WM_SEC.ACCESS_TOKEN': used.token };
      },
      headers: {
        accept: 'application/json',
        'WM_SVC.NAME': settings.svcName,
        ...(settings.channelType ? { 'WM_CONSUMER.CHANNEL.TYPE': settings.channelType } : {}),
      },
      redact: { values: [context.secrets.clientId, context.secrets.clientSecret] },
      timeoutMs: settings.timeoutSeconds * 1000,
      // The pace is the operation buckets' (throttle.ts). The budget is here for its key: whatever core holds
      // after an answer (a Retry-After) holds this seller's connection only, never every Walmart connection of
      // the process, which an unkeyed client would share. Its rate is a ceiling that never binds.
      budget: { key: context.connectionId, perSecond: 1000, burst: 1000 },
      connection: context.connectionId,
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
  async function once<T>(call: (api: VendorClient) => Promise<T>): Promise<T> {
    const used: { token?: string } = {};
    try {
      return await call(client(used));
    } catch (error) {
      // invalid_client is the token call's own refusal of the credentials: a new token cannot mend it.
      if (!(error instanceof VendorError) || error.status !== 401 || error.code === 'invalid_client')
        throw error;
      // Forget the token that was refused, not one another call minted meanwhile.
      tokens.invalidate(used.token);
      return call(client({}));
    }
  }

  return {
    request: ((method: string, path: string, options?: VendorRequest) =>
      once((api) => api.request(method, path, options))) as VendorClient['request'],
    json: ((method: string, path: string, options?: VendorRequest) =>
      once((api) => api.json(method, path, options))) as VendorClient['json'],
  };
}
