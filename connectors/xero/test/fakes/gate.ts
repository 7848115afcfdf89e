import { HttpResponse } from 'msw';
import type { FakeXeroState } from './state.ts';
import type { Json } from './totals.ts';

/**
 * What stands before every Accounting API call, as Xero has it: a valid access token (401 otherwise), an
 * `xero-tenant-id` the grant reaches (403), and the organisation's limits: 5 calls in progress, 60 a minute,
 * 5,000 a day, each answer saying what is left (`X-MinLimit-Remaining`, `X-DayLimit-Remaining`,
 * `X-AppMinLimit-Remaining`) and a refusal answered 429 with `Retry-After` and `X-Rate-Limit-Problem`.
 */
export const unauthorized = () =>
  HttpResponse.json(
    {
      Type: null,
      Title: 'Unauthorized',
      Status: 401,
      Detail: 'AuthenticationUnsuccessful',
      Instance: crypto.randomUUID(),
      Extensions: {},
    },
    { status: 401 },
  );

const forbidden = () =>
  HttpResponse.json(
    {
      Type: null,
      Title: 'Forbidden',
      Status: 403,
      Detail: 'AuthenticationUnsuccessful',
      Instance: crypto.randomUUID(),
      Extensions: {},
    },
    { status: 403 },
  );

/** Seconds as Retry-After says them: whole seconds for Xero's real minute, finer for a scaled one. */
const seconds = (fake: FakeXeroState, ms: number) =>
  fake.limits.minuteMs >= 60_000
    ? String(Math.max(1, Math.ceil(ms / 1000)))
    : (Math.max(1, ms) / 1000).toFixed(3);

export type Gated =
  | { refused: Response }
  | { tenant: string; headers: Record<string, string>; release: () => void };

export function enter(fake: FakeXeroState, request: Request): Gated {
  const grant = fake.grantOf(request.headers.get('authorization'));
  if (!grant) return { refused: unauthorized() };
  const tenant = request.headers.get('xero-tenant-id');
  if (!tenant || !grant.tenants.includes(tenant)) return { refused: forbidden() };
  const now = fake.now();
  let usage = fake.usage.get(tenant);
  if (!usage) {
    usage = { minute: [], dayStart: now, day: 0, inFlight: 0 };
    fake.usage.set(tenant, usage);
  }
  if (now - usage.dayStart >= fake.limits.dayMs) Object.assign(usage, { dayStart: now, day: 0 });
  usage.minute = usage.minute.filter((at) => at > now - fake.limits.minuteMs);
  fake.appMinute = fake.appMinute.filter((at) => at > now - fake.limits.minuteMs);
  const headers = (extra: Record<string, string> = {}) => ({
    'X-DayLimit-Remaining': String(Math.max(0, fake.limits.perDay - usage.day)),
    'X-MinLimit-Remaining': String(Math.max(0, fake.limits.perMinute - usage.minute.length)),
    'X-AppMinLimit-Remaining': String(Math.max(0, 10_000 - fake.appMinute.length)),
    ...extra,
  });
  const refuse = (problem: string, retryAfter: string) => ({
    refused: HttpResponse.text('', {
      status: 429,
      headers: headers({ 'Retry-After': retryAfter, 'X-Rate-Limit-Problem': problem }),
    }),
  });
  if (fake.throttle.count > 0) {
    fake.throttle.count--;
    return refuse(fake.throttle.problem, String(fake.throttle.retryAfterSeconds));
  }
  if (usage.day >= fake.limits.perDay)
    return refuse('day', seconds(fake, usage.dayStart + fake.limits.dayMs - now));
  if (usage.minute.length >= fake.limits.perMinute) {
    return refuse('minute', seconds(fake, usage.minute[0]! + fake.limits.minuteMs - now));
  }
  if (usage.inFlight >= fake.limits.concurrent) return refuse('concurrent', '1');
  usage.minute.push(now);
  fake.appMinute.push(now);
  usage.day++;
  usage.inFlight++;
  fake.maxInFlight = Math.max(fake.maxInFlight, usage.inFlight);
  const held = usage;
  return { tenant, headers: headers(), release: () => void held.inFlight-- };
}

/** An answer, with the limits' headers; documents' internal fields (`_…`) left out. */
export function answer(body: Json | string, status: number, headers: Record<string, string>): Response {
  if (typeof body === 'string') return HttpResponse.text(body, { status, headers });
  return new HttpResponse(
    JSON.stringify(body, (k, v) => (k.startsWith('_') ? undefined : v)),
    {
      status,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    },
  );
}

/** Xero's answer envelope: `{ Id, Status, ProviderName, DateTimeUTC, <Collection>: [...] }`. */
export function envelope(fake: FakeXeroState, collection: string, items: Json[], extra: Json = {}): Json {
  return {
    Id: crypto.randomUUID(),
    Status: 'OK',
    ProviderName: 'Switchyard Xero fake',
    DateTimeUTC: `/Date(${fake.now()})/`,
    ...extra,
    [collection]: items,
  };
}
