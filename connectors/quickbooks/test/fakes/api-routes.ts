import { HttpResponse, http } from 'msw';
import { createObject } from './ledger.ts';
import { runCdc, runQuery } from './query.ts';
import {
  entityOfResource,
  type FakeCall,
  FakeFault,
  type FakeRealm,
  type FakeState,
  fault,
  qboTime,
} from './state.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The gateway's 401, in its lower-case spelling. */
const unauthorized = (detail: string) => ({
  fault: {
    error: [
      { message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail, code: '3200' },
    ],
    type: 'AUTHENTICATION',
  },
  time: qboTime(Date.now()),
});

const throttled = () =>
  fault(
    '3001',
    'message=ThrottleExceeded; errorCode=003001; statusCode=429',
    'The request limit was reached.',
    undefined,
    'ThrottlingFault',
  );

type Params = Record<string, string | readonly string[] | undefined>;
type Handler = (
  realm: FakeRealm,
  request: Request,
  call: FakeCall,
  params: Params,
) => Promise<Response> | Response;

/**
 * What stands in front of every accounting call, in QuickBooks' order: the minor version (75 or later, or a
 * 400), the bearer token (unknown, expired, revoked or for another company: 401), the throttle (a forced
 * refusal, 500 a minute × scale, `concurrent` in flight: 429), then the call itself, after `latencyMs`.
 */
function gate(fake: FakeState, handle: Handler) {
  return async ({ request, params }: { request: Request; params: Params }) => {
    const url = new URL(request.url);
    const realmId = String(params.realm);
    const call: FakeCall = {
      method: request.method,
      realm: realmId,
      resource: decodeURIComponent(url.pathname.split('/').slice(4).join('/')),
      status: 0,
      ...(url.searchParams.get('requestid') ? { requestid: url.searchParams.get('requestid')! } : {}),
      ...(url.searchParams.get('minorversion')
        ? { minorversion: url.searchParams.get('minorversion')! }
        : {}),
    };
    fake.calls.push(call);
    const answer = (body: unknown, status = 200) => {
      call.status = status;
      return HttpResponse.json(body as Record<string, unknown>, { status });
    };
    const minor = Number(url.searchParams.get('minorversion'));
    if (!Number.isInteger(minor) || minor < 75) {
      return answer(
        fault(
          '2010',
          'Invalid minor version',
          `minorversion ${url.searchParams.get('minorversion') ?? '(none)'} is not supported: use 75 or later`,
          'minorversion',
        ),
        400,
      );
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const access = bearer ? fake.accessTokens.get(bearer) : undefined;
    if (!access || access.expiresAt <= fake.now() || access.grant.revoked) {
      return answer(unauthorized(access ? 'Token expired or revoked' : 'Token invalid'), 401);
    }
    if (access.realm !== realmId) {
      return answer(
        fault(
          '3100',
          'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
          'The token is for another company',
          undefined,
          'AUTHORIZATION',
        ),
        403,
      );
    }
    const realm = fake.realm(realmId);
    const now = fake.now();
    if (now - realm.window.start >= 60_000) realm.window = { start: now, count: 0 };
    realm.window.count += 1;
    if (fake.throttleNext > 0 || realm.window.count > fake.perMinute || realm.inFlight >= fake.concurrent) {
      fake.throttleNext = Math.max(0, fake.throttleNext - 1);
      return answer(throttled(), 429);
    }
    realm.inFlight += 1;
    realm.maxInFlight = Math.max(realm.maxInFlight, realm.inFlight);
    try {
      if (fake.latencyMs) await delay(fake.latencyMs);
      const response = await handle(realm, request, call, params);
      call.status = call.status || response.status;
      return response;
    } catch (error) {
      if (error instanceof FakeFault) return answer(error.body, error.status);
      throw error;
    } finally {
      realm.inFlight -= 1;
    }
  };
}

export function apiRoutes(fake: FakeState) {
  const base = `${fake.apiOrigin}/v3/company/:realm`;
  const json = (call: FakeCall, body: unknown, status = 200) => {
    call.status = status;
    return HttpResponse.json(body as Record<string, unknown>, { status });
  };
  return [
    http.get(
      `${base}/query`,
      gate(fake, (realm, request, call) => {
        const statement = new URL(request.url).searchParams.get('query') ?? '';
        call.query = statement;
        return json(call, { QueryResponse: runQuery(realm, statement), time: qboTime(fake.now()) });
      }),
    ),
    http.get(
      `${base}/cdc`,
      gate(fake, (realm, request, call) => {
        const q = new URL(request.url).searchParams;
        const entities = (q.get('entities') ?? '').split(',').filter(Boolean);
        const groups = runCdc(realm, entities, Date.parse(q.get('changedSince') ?? ''), fake.now());
        return json(call, { CDCResponse: [{ QueryResponse: groups }], time: qboTime(fake.now()) });
      }),
    ),
    http.get(
      `${base}/companyinfo/:id`,
      gate(fake, (realm, _request, call) =>
        json(call, {
          CompanyInfo: { Id: realm.id, CompanyName: realm.companyName, Country: 'US' },
          time: qboTime(fake.now()),
        }),
      ),
    ),
    http.get(
      `${base}/:resource/:id`,
      gate(fake, (realm, _request, call, params) => {
        const entity = entityOfResource(String(params.resource));
        const object = entity ? realm.objects.get(entity)?.get(String(params.id)) : undefined;
        if (!entity || !object) {
          return json(
            call,
            fault(
              '610',
              'Object Not Found',
              `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.`,
              '',
            ),
            400,
          );
        }
        return json(call, { [entity]: structuredClone(object), time: qboTime(fake.now()) });
      }),
    ),
    http.post(
      `${base}/:resource`,
      gate(fake, async (realm, request, call) => {
        const entity = entityOfResource(String(call.resource));
        if (!entity || entity === 'Vendor') {
          return json(
            call,
            fault('2010', 'Unsupported operation', `POST /${call.resource} is not faked`),
            400,
          );
        }
        const body = (await request.json().catch(() => undefined)) as Record<string, unknown> | undefined;
        call.body = body;
        const replay = call.requestid ? realm.requestIds.get(call.requestid) : undefined;
        if (replay) {
          fake.replays += 1;
          return json(call, replay.body, replay.status);
        }
        if (!body || typeof body !== 'object')
          return json(call, fault('2010', 'Request body is not JSON'), 400);
        const object = createObject(realm, entity, body, { now: fake.now, taxSkew: fake.taxSkew });
        const answer = { [entity]: structuredClone(object), time: qboTime(fake.now()) };
        if (call.requestid) realm.requestIds.set(call.requestid, { status: 200, body: answer });
        // A lost answer: the object is created (and its requestid remembered), the client hears nothing of it.
        const lost = fake.lostAnswers.get(entity);
        if (lost) {
          fake.lostAnswers.delete(entity);
          if (lost === 'drop') {
            call.status = -1;
            return HttpResponse.error();
          }
          call.status = 502;
          return new HttpResponse('<html><body>502 Bad Gateway</body></html>', {
            status: 502,
            headers: { 'content-type': 'text/html' },
          });
        }
        return json(call, answer);
      }),
    ),
  ];
}
