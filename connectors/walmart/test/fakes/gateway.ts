import { randomUUID } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type { FakeOperation } from './buckets.ts';
import type { FakeWalmart } from './walmart.ts';

/** A Walmart error body, in the `{ errors: { error: [...] } }` shape of its order and inventory services. */
export const walmartErrorBody = (code: string, description: string, field?: string, category = 'DATA') => ({
  errors: {
    error: [
      {
        code,
        ...(field ? { field } : {}),
        description,
        info: description,
        severity: 'ERROR',
        category,
        causes: [],
      },
    ],
  },
});

/** The gateway's 401, in its `{ error: [...] }` shape. */
const unauthorized = (field: string, description: string) => ({
  error: [
    {
      code: 'UNAUTHORIZED.GMP_GATEWAY_API',
      field,
      description,
      info: 'Unauthorized token or invalid token',
      severity: 'ERROR',
      category: 'DATA',
      causes: [],
      errorIdentifiers: {},
    },
  ],
});

export type Handler = (
  request: Request,
  headers: Record<string, string>,
  params: Record<string, string>,
) => Promise<Response> | Response;

/**
 * What stands in front of every Walmart API: the answer (recorded, with the throttle's headers), the throttle,
 * and the checks of the access token and required headers that the gateway makes before anything else.
 */
export function gateway(fake: FakeWalmart) {
  const answer = (
    operation: FakeOperation,
    request: Request,
    body: unknown,
    status: number,
    headers: Record<string, string>,
  ) => {
    fake.calls.push({
      operation,
      method: request.method,
      path: new URL(request.url).pathname,
      query: new URL(request.url).search,
      status,
      correlationId: request.headers.get('wm_qos.correlation_id'),
    });
    return HttpResponse.json(body as never, { status, headers });
  };

  /** A token from the operation's bucket: the headers to answer with, or the 429. */
  const throttle = (operation: FakeOperation, request: Request) => {
    const taken = fake.buckets.take(operation);
    if (fake.throttleNext > 0 || taken.refused) {
      // A refusal a test asks for comes with a near replenishment, so the test waits little.
      const forced = !taken.refused;
      if (forced) {
        fake.throttleNext--;
        taken.headers['X-Next-Replenishment-Time'] = String(fake.now() + 50);
      }
      const body = walmartErrorBody(
        'REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API',
        'Too Many Requests',
        undefined,
        'REQUEST',
      );
      return answer(operation, request, body, 429, { ...taken.headers, 'X-Current-Token-Count': '0' });
    }
    return taken.headers;
  };

  const gate = (operation: FakeOperation, request: Request): Response | Record<string, string> => {
    const token = request.headers.get('wm_sec.access_token');
    const expiry = token ? fake.tokens.get(token) : undefined;
    if (fake.deny || expiry === undefined || expiry < fake.now()) {
      return answer(operation, request, unauthorized('UNAUTHORIZED', 'Unauthorized'), 401, {});
    }
    for (const header of ['WM_QOS.CORRELATION_ID', 'WM_SVC.NAME']) {
      if (!request.headers.get(header)) {
        const body = walmartErrorBody(
          'INVALID_REQUEST_HEADER.GMP_GATEWAY_API',
          `${header} set null or invalid`,
          header,
          'REQUEST',
        );
        return answer(operation, request, body, 400, {});
      }
    }
    if (!(request.headers.get('accept') ?? '').includes('application/json')) {
      const body = walmartErrorBody('NOT_ACCEPTABLE', 'Accept must be application/json', 'Accept', 'REQUEST');
      return answer(operation, request, body, 406, {});
    }
    return throttle(operation, request);
  };

  /** An msw resolver behind the gate. */
  const route =
    (operation: FakeOperation, run: Handler) =>
    async ({ request, params }: { request: Request; params: Record<string, unknown> }) => {
      const passed = gate(operation, request);
      if (passed instanceof Response) return passed;
      return run(request, passed, params as Record<string, string>);
    };

  /** `POST /v3/token`: Basic client credentials, form `grant_type=client_credentials`. */
  const tokenRoute = http.post(`${fake.origin}/v3/token`, async ({ request }) => {
    const headers = throttle('token', request);
    if (headers instanceof Response) return headers;
    const expected = `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`;
    const form = new URLSearchParams(await request.text());
    if (fake.deny || request.headers.get('authorization') !== expected) {
      return answer('token', request, unauthorized('clientId', 'Invalid client credentials'), 401, headers);
    }
    const required = ['wm_svc.name', 'wm_qos.correlation_id'].every((h) => request.headers.get(h));
    if (form.get('grant_type') !== 'client_credentials' || !required) {
      const body = walmartErrorBody(
        'INVALID_REQUEST.GMP_GATEWAY_API',
        'grant_type=client_credentials, WM_SVC.NAME and WM_QOS.CORRELATION_ID are required',
        'grant_type',
        'REQUEST',
      );
      return answer('token', request, body, 400, headers);
    }
    const token = `wm-tok-${randomUUID()}`;
    fake.tokens.set(token, fake.now() + fake.tokenLifetimeSeconds * 1000);
    fake.mints++;
    const body = { access_token: token, token_type: 'Bearer', expires_in: fake.tokenLifetimeSeconds };
    return answer('token', request, body, 200, headers);
  });

  return { answer, route, tokenRoute };
}

export type Gateway = ReturnType<typeof gateway>;
