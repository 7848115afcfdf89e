// The Xero fake in a process of its own, for end-to-end tests and benchmarks that run the hub elsewhere. One
// origin serves the consent page, the identity server and the API: point the connection's settings.apiOrigin,
// identityOrigin and loginOrigin all at it. Environment: XERO_FAKE_PORT (default: a free one),
// XERO_FAKE_CLIENT_ID, XERO_FAKE_CLIENT_SECRET, XERO_FAKE_WEBHOOK_KEY, XERO_FAKE_TENANTS (JSON
// [{ tenantId, tenantName }]), XERO_FAKE_MINUTE_MS (a shorter "minute" for the limits), XERO_FAKE_TAX_DRIFT
// (-1, 0, 1). Prints `listening on <origin>`. Steered over HTTP under /__fake/ (see below).
import { createServer } from '@mswjs/http-middleware';
import { HttpResponse, http } from 'msw';
import type { FakeKind } from './ledger.ts';
import { fakeXero } from './xero.ts';

const env = process.env;
const probe = createServer().listen(Number(env.XERO_FAKE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = probe.address() as { port: number };
  probe.close(() => {
    const origin = `http://127.0.0.1:${port}`;
    const fake = fakeXero({
      apiOrigin: origin,
      identityOrigin: origin,
      loginOrigin: origin,
      ...(env.XERO_FAKE_CLIENT_ID ? { clientId: env.XERO_FAKE_CLIENT_ID } : {}),
      ...(env.XERO_FAKE_CLIENT_SECRET ? { clientSecret: env.XERO_FAKE_CLIENT_SECRET } : {}),
      ...(env.XERO_FAKE_WEBHOOK_KEY ? { webhookKey: env.XERO_FAKE_WEBHOOK_KEY } : {}),
      ...(env.XERO_FAKE_TENANTS ? { tenants: JSON.parse(env.XERO_FAKE_TENANTS) } : {}),
      ...(env.XERO_FAKE_MINUTE_MS ? { limits: { minuteMs: Number(env.XERO_FAKE_MINUTE_MS) } } : {}),
      ...(env.XERO_FAKE_TAX_DRIFT ? { taxDrift: Number(env.XERO_FAKE_TAX_DRIFT) } : {}),
    });
    const control = [
      // What the fake saw, and every create request it was sent.
      http.get(`${origin}/__fake/stats`, () =>
        HttpResponse.json({ ...fake.stats(), requests: fake.requests }),
      ),
      // The documents of a kind (invoices, creditNotes, payments, allocations, manualJournals, bankTransactions,
      // contacts) in the first organisation's books, or ?tenantId=.
      http.get(`${origin}/__fake/documents/:kind`, ({ params, request }) =>
        HttpResponse.json(
          fake.documents(
            params.kind as FakeKind,
            new URL(request.url).searchParams.get('tenantId') ?? undefined,
          ),
        ),
      ),
      // { invoiceId, amount, account?, date?, tenantId? } → the signed webhook delivery { body, headers }.
      http.post(`${origin}/__fake/record-payment`, async ({ request }) =>
        HttpResponse.json(fake.recordPayment((await request.json()) as never)),
      ),
      http.post(`${origin}/__fake/revoke-grants`, () => {
        fake.revokeGrants();
        return HttpResponse.json({ revoked: true });
      }),
      http.post(`${origin}/__fake/expire-access-tokens`, () => {
        fake.expireAccessTokens();
        return HttpResponse.json({ expired: true });
      }),
      http.post(`${origin}/__fake/expire-idempotency-keys`, () => {
        fake.expireIdempotencyKeys();
        return HttpResponse.json({ expired: true });
      }),
      // { kind }: the next create of that kind is made and its answer lost.
      http.post(`${origin}/__fake/lose-next-answer`, async ({ request }) => {
        fake.loseNextAnswer(((await request.json()) as { kind: FakeKind }).kind);
        return HttpResponse.json({ armed: true });
      }),
      // { count, problem?, retryAfterSeconds? }: the next calls answered 429.
      http.post(`${origin}/__fake/throttle`, async ({ request }) => {
        const b = (await request.json()) as {
          count: number;
          problem?: 'minute' | 'day';
          retryAfterSeconds?: number;
        };
        fake.throttleNext(b.count, b.problem, b.retryAfterSeconds);
        return HttpResponse.json({ armed: true });
      }),
    ];
    createServer(...fake.handlers, ...control).listen(port, '127.0.0.1', () =>
      process.stdout.write(`listening on ${origin}\n`),
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
