import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import EasyPostClient from '@easypost/api';
import { type ActionContext, PermanentError, scrub, withinBudget } from '@switchyard/core';
import type { EasyPostSecrets, EasyPostSettings } from './settings.ts';

export type EasyPostActionContext = ActionContext<EasyPostSettings, EasyPostSecrets>;
export type EasyPostApi = InstanceType<typeof EasyPostClient>;

/**
 * The client's superagent opens a new connection (and, against EasyPost, a new TLS session) for every request
 * unless it is handed an agent: one keep-alive agent per protocol for the process.
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** One client per action call (the context object). */
const clients = new WeakMap<object, EasyPostApi>();
export function clientFor(context: EasyPostActionContext): EasyPostApi {
  let client = clients.get(context);
  if (!client) {
    const baseUrl = context.settings.apiOrigin
      ? `${context.settings.apiOrigin.replace(/\/+$/, '')}/v2/`
      : 'https://api.easypost.com/v2/';
    const agent = agents[new URL(baseUrl).protocol as keyof typeof agents] ?? agents['https:'];
    client = new EasyPostClient(context.secrets.apiKey, {
      timeout: context.settings.timeoutSeconds * 1000,
      baseUrl,
      requestMiddleware: (request: { agent(a: unknown): unknown }) => request.agent(agent),
    } as ConstructorParameters<typeof EasyPostClient>[1]);
    clients.set(context, client);
  }
  return client;
}

/**
 * An EasyPost failure in words to act on. Refused input (an address the carrier cannot serve, a rate that
 * expired, a wrong key) is a PermanentError; 408, 429 and 5xx and dropped connections stay retryable. The API
 * key never appears in the words, whatever the library's message held (core's `scrub`).
 */
function failure(error: unknown, what: string, secrets: EasyPostSecrets): Error {
  const e = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    errors?: { field?: string; message?: string }[];
  };
  const fields = (e.errors ?? []).map((f) => `${f.field}: ${f.message}`).join('; ');
  const message = scrub(
    `EasyPost ${what} failed: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}${fields ? ` — ${fields}` : ''}`,
    [secrets.apiKey],
  );
  if (e.statusCode === 401 || e.statusCode === 403) {
    return new PermanentError(`EasyPost refused the API key for the ${what}: check secrets.apiKey`, {
      cause: error,
    });
  }
  if (
    e.statusCode !== undefined &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    e.statusCode !== 408 &&
    e.statusCode !== 429
  ) {
    return new PermanentError(message, { cause: error });
  }
  return new Error(message, { cause: error });
}

/** One EasyPost call of the connection: within its request budget, failing in words to act on. */
export async function call<T>(
  context: EasyPostActionContext,
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    await withinBudget(
      `easypost:${context.connectionId}`,
      { perSecond: context.settings.requestsPerSecond, burst: 10 },
      context.signal,
    );
    return await run();
  } catch (error) {
    throw failure(error, what, context.secrets);
  }
}
