import Shopify from 'shopify-api-node';
import { parseExact } from './json.ts';

/** Where the GraphQL Admin API lives under a shop's address; the version is the one core's client was given. */
const GRAPHQL_PATH = /^\/admin\/api\/([^/]+)\/graphql\.json$/;

/** The parts of got's response (shopify-api-node's HTTP client) that make a fetch `Response`. */
interface LibraryAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  rawBody?: Buffer;
}

/**
 * `fetch` answered by shopify-api-node, for core's vendor client (see shopifyClient): one GraphQL call per
 * attempt, the library building the request as Shopify expects it (its path for the API version, the
 * X-Shopify-Access-Token header, its User-Agent) and sending it with got. The library retries nothing
 * (`maxRetries: 0`, no `autoLimit`) and keeps no clock of its own: core owns the attempts, the pacing and the
 * timeout, whose abort (or the caller's) ends the request.
 *
 * What comes back is the answer as Shopify sent it, whatever the library made of it: its status, headers and
 * body bytes, taken in an `afterResponse` hook. The library throws on a status above 299 and on a 200 carrying
 * `errors` (THROTTLED among them), and got on a 200 that is not JSON; all of those are answers that core's
 * `problem` reader and its JSON parser judge, so the adapter hands them on as a `Response`, not as a failure.
 * Only a call that got no answer (refused, reset, aborted) fails, as fetch fails.
 *
 * The library parses each body with `parseExact` (ids beyond 2^53 kept), as it was configured before core's
 * client took over the calls; core parses the text again for the caller, so both readings are lossless.
 */
export function throughLibrary(shop: string, accessToken: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const version = GRAPHQL_PATH.exec(url.pathname)?.[1];
    if (!version || (init?.method ?? 'GET').toUpperCase() !== 'POST' || typeof init?.body !== 'string') {
      // Only shopifyClient calls this, and only with a GraphQL POST: anything else is a mistake in the code.
      throw new Error(
        `shopify-api-node sends only GraphQL POSTs to /admin/api/<version>/graphql.json, not ${init?.method ?? 'GET'} ${url.pathname}`,
      );
    }
    const { query, variables } = JSON.parse(init.body) as { query: string; variables?: object };
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();

    let answer: LibraryAnswer | undefined;
    const library = new Shopify({
      shopName: shop,
      accessToken,
      apiVersion: version,
      maxRetries: 0,
      autoLimit: false,
      // No timer of the library's (it would otherwise stop a call at 60 s): core's timeout aborts `signal`.
      timeout: undefined,
      parseJson: parseExact,
      hooks: {
        // Node's request takes the abort signal (got 11 has no option of its own for it): an abort destroys
        // the request at whatever stage it is, and got rejects at once.
        beforeRequest: [
          (options) => {
            if (signal) Object.assign(options, { signal });
          },
        ],
        afterResponse: [
          (response) => {
            answer = response as unknown as LibraryAnswer;
            return response;
          },
        ],
      },
    } as ConstructorParameters<typeof Shopify>[0]);
    // The library builds each request from this (untyped) base; core's URL already names the shop or the
    // connection's `apiOrigin` (a proxy, a fake), with its port.
    (library as unknown as { baseUrl: object }).baseUrl = {
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
    };

    try {
      await library.graphql(query, variables);
    } catch (error) {
      // A body got could not parse on a 2xx reaches no hook: its response rides on the error.
      answer ??= (error as { response?: LibraryAnswer }).response;
      if (!answer?.rawBody) {
        if (signal?.aborted) throw signal.reason;
        // As fetch fails: the reason (ECONNREFUSED, a reset) in `cause`, where core's client reads it. A new
        // error, so that got's (which holds the request options, token included) goes no further.
        const e = error as { code?: string; message?: string };
        throw new TypeError('fetch failed', { cause: { code: e.code, message: e.message } });
      }
    }
    if (!answer) throw new Error('shopify-api-node answered, yet its afterResponse hook saw no response');
    return asResponse(answer);
  };
}

/** got's response as fetch's. got has already decoded a compressed body, so its encoding and length go. */
function asResponse(answer: LibraryAnswer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || name === 'content-encoding' || name === 'content-length') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const empty = answer.statusCode === 204 || answer.statusCode === 205 || answer.statusCode === 304;
  return new Response(empty ? null : (answer.rawBody ?? null), {
    status: answer.statusCode,
    headers,
  });
}
