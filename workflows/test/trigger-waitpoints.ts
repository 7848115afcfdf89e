import { HttpResponse } from 'msw';
import type { FakeTrigger, Waitpoint } from './trigger-platform.ts';

/**
 * The fake platform's waitpoint routes (tokens: create, retrieve, complete; a run's waits on a token and on a
 * duration), in the API's shapes; `undefined` for a request that is not one of them.
 */
export function routeWaitpoint(
  fake: FakeTrigger,
  method: string,
  path: string,
  body: Record<string, never> | undefined,
  jwt: { headers: Record<string, string> },
): Response | undefined {
  let m: RegExpExecArray | null;
  if (path === '/api/v1/waitpoints/tokens' && method === 'POST') {
    const key = body?.idempotencyKey as string | undefined;
    const found = fake.byKey(key);
    if (found)
      return HttpResponse.json({ id: found.id, isCached: true, url: fake.tokenJson(found).url }, jwt);
    const timeout = body?.timeout as string | undefined;
    const seconds = timeout ? /^(\d+)s$/.exec(timeout) : null;
    if (timeout && !seconds) throw new Error(`the fake reads timeouts as "<n>s", not ${timeout}`);
    const wp: Waitpoint = {
      id: fake.id('waitpoint'),
      type: 'MANUAL',
      ...(key ? { idempotencyKey: key } : {}),
      status: 'WAITING',
      createdAt: new Date(),
      waiters: [],
      ...(seconds ? { timeoutAt: new Date(Date.now() + Number(seconds[1]) * 1000) } : {}),
    };
    fake.waitpoints.set(wp.id, wp);
    if (wp.timeoutAt) fake.later(wp.timeoutAt, () => fake.finish(wp, 'TIMED_OUT'));
    return HttpResponse.json({ id: wp.id, isCached: false, url: fake.tokenJson(wp).url }, jwt);
  }
  m = method === 'GET' ? /^\/api\/v1\/waitpoints\/tokens\/([^/]+)$/.exec(path) : null;
  if (m) {
    const wp = fake.waitpoints.get(m[1]!);
    if (!wp) return HttpResponse.json({ error: 'Waitpoint not found' }, { status: 404 });
    const lagging = fake.stale.get(wp.id);
    fake.stale.delete(wp.id);
    return HttpResponse.json(lagging ?? fake.tokenJson(wp));
  }
  m = method === 'POST' ? /^\/api\/v1\/waitpoints\/tokens\/([^/]+)\/complete$/.exec(path) : null;
  if (m) {
    const wp = fake.waitpoints.get(m[1]!);
    if (!wp) return HttpResponse.json({ error: 'Waitpoint not found' }, { status: 404 });
    const data = body?.data;
    if (fake.staleReads > 0 && wp.status === 'WAITING') {
      fake.staleReads--;
      fake.stale.set(wp.id, fake.tokenJson(wp));
    }
    fake.finish(wp, 'COMPLETED', data === undefined || data === null ? undefined : JSON.stringify(data));
    return HttpResponse.json({ success: true });
  }
  if (/^\/engine\/v1\/runs\/[^/]+\/waitpoints\/tokens\/[^/]+\/wait$/.test(path) && method === 'POST') {
    return HttpResponse.json({ success: true });
  }
  m = method === 'POST' ? /^\/engine\/v1\/runs\/([^/]+)\/wait\/duration$/.exec(path) : null;
  if (m) {
    const date = new Date(String(body?.date));
    const key = body?.idempotencyKey as string | undefined;
    let wp = fake.byKey(key);
    if (!wp) {
      const created: Waitpoint = {
        id: fake.id('waitpoint'),
        type: 'DATETIME',
        ...(key ? { idempotencyKey: key } : {}),
        status: 'WAITING',
        completedAfter: date,
        createdAt: new Date(),
        waiters: [],
      };
      fake.waitpoints.set(created.id, created);
      fake.later(date, () => fake.finish(created, 'COMPLETED'));
      wp = created;
    }
    return HttpResponse.json({ waitUntil: date.toISOString(), waitpoint: { id: wp.id } });
  }
  return undefined;
}
