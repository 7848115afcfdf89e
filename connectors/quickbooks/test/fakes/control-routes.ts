import { HttpResponse, http } from 'msw';
import type { FakeQuickBooks } from './quickbooks.ts';
import type { FakeEntity } from './state.ts';

/**
 * The fake's own controls over HTTP, for a test that runs it as a separate process (quickbooks-server.ts) and
 * so cannot call its methods: each route is one method of the fake, under `/__fake/` on its origin.
 */
export function controlRoutes(fake: FakeQuickBooks) {
  const at = (path: string) => `${fake.apiOrigin}/__fake/${path}`;
  const body = async (request: Request) =>
    ((await request.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
  const optional = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  return [
    http.get(at('stats'), () => HttpResponse.json(fake.stats())),
    http.get(at('documents'), ({ request }) => {
      const q = new URL(request.url).searchParams;
      return HttpResponse.json(fake.documents(q.get('entity') as FakeEntity, q.get('realm') ?? undefined));
    }),
    http.post(at('tokens'), async ({ request }) =>
      HttpResponse.json(fake.issueTokens(optional((await body(request)).realm))),
    ),
    http.post(at('payments'), async ({ request }) => {
      const b = await body(request);
      const delivery = fake.recordPayment({
        realm: String(b.realm),
        invoiceId: String(b.invoiceId),
        ...(typeof b.amount === 'number' ? { amount: b.amount } : {}),
      });
      return HttpResponse.json(delivery);
    }),
    http.post(at('revoke'), async ({ request }) => {
      fake.revokeGrants(optional((await body(request)).realm));
      return HttpResponse.json({ ok: true });
    }),
    http.post(at('expire-tokens'), async ({ request }) => {
      fake.expireAccessTokens(optional((await body(request)).realm));
      return HttpResponse.json({ ok: true });
    }),
    http.post(at('lose-next'), async ({ request }) => {
      const b = await body(request);
      fake.loseNextAnswer(b.entity as FakeEntity, b.how === 'drop' ? 'drop' : 'status');
      return HttpResponse.json({ ok: true });
    }),
    http.post(at('forget-request-ids'), () => {
      fake.forgetRequestIds();
      return HttpResponse.json({ ok: true });
    }),
    http.post(at('settings'), async ({ request }) => {
      const b = await body(request);
      if (typeof b.taxSkew === 'number') fake.taxSkew = b.taxSkew;
      if (typeof b.throttleNext === 'number') fake.throttleNext = b.throttleNext;
      if (typeof b.nextRealm === 'string') fake.nextRealm = b.nextRealm;
      return HttpResponse.json({
        taxSkew: fake.taxSkew,
        throttleNext: fake.throttleNext,
        nextRealm: fake.nextRealm,
      });
    }),
  ];
}
