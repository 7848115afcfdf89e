import { delay, HttpResponse, http } from 'msw';
import { answer, enter, envelope } from './gate.ts';
import type { Applied, FakeKind, FakeLedger } from './ledger.ts';
import type { FakeXeroState } from './state.ts';
import type { Json } from './totals.ts';
import { WhereError, whereFilter } from './where.ts';

/** The collections the fake serves: path, the JSON envelope's key, the id field. */
export const COLLECTIONS = [
  { kind: 'contacts', path: 'Contacts', id: 'ContactID' },
  { kind: 'invoices', path: 'Invoices', id: 'InvoiceID' },
  { kind: 'creditNotes', path: 'CreditNotes', id: 'CreditNoteID' },
  { kind: 'payments', path: 'Payments', id: 'PaymentID' },
  { kind: 'manualJournals', path: 'ManualJournals', id: 'ManualJournalID' },
  { kind: 'bankTransactions', path: 'BankTransactions', id: 'BankTransactionID' },
] as const satisfies readonly { kind: FakeKind; path: string; id: string }[];

const validation = (elements: Json[]) => ({
  ErrorNumber: 10,
  Type: 'ValidationException',
  Message: 'A validation exception occurred',
  Elements: elements,
});

/** "2009-11-12T00:00:00" (Xero's form, UTC) or an ISO date with a zone. */
const since = (header: string | null) =>
  header ? Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(header) ? header : `${header}Z`) : Number.NaN;

export function accountingRoutes(fake: FakeXeroState) {
  const base = `${fake.apiOrigin}/api.xro/2.0`;

  /** Runs a route behind the gate, recording what it answered. */
  const gated =
    (
      run: (
        request: Request,
        tenant: string,
        params: Record<string, string>,
        text: string,
      ) => Promise<Response | { lost: Response }>,
    ) =>
    async ({ request, params }: { request: Request; params: Record<string, unknown> }) => {
      const text = request.method === 'GET' ? '' : await request.text();
      const url = new URL(request.url);
      const record = (status: number) =>
        fake.requests.push({
          method: request.method,
          path: url.pathname.replace('/api.xro/2.0', ''),
          query: Object.fromEntries(url.searchParams),
          tenant: request.headers.get('xero-tenant-id'),
          idempotencyKey: request.headers.get('idempotency-key'),
          ifModifiedSince: request.headers.get('if-modified-since'),
          status,
          ...(text ? { body: JSON.parse(text) as unknown } : {}),
        });
      const gate = enter(fake, request);
      if ('refused' in gate) {
        record(gate.refused.status);
        return gate.refused;
      }
      try {
        if (fake.latencyMs) await delay(fake.latencyMs);
        const result = await run(request, gate.tenant, params as Record<string, string>, text);
        if ('lost' in result) {
          record(0);
          return HttpResponse.error();
        }
        for (const [name, value] of Object.entries(gate.headers)) result.headers.set(name, value);
        record(result.status);
        return result;
      } finally {
        gate.release();
      }
    };

  /** A create: Idempotency-Key replayed, each element applied, failures per element or as a 400. */
  const create = (
    kind: FakeKind,
    collection: string,
    apply: (ledger: FakeLedger, element: Json, params: Record<string, string>) => Applied,
  ) =>
    gated(async (request, tenant, params, text) => {
      const url = new URL(request.url);
      const key = request.headers.get('idempotency-key');
      if (key && key.length > 128) {
        return answer(
          { Title: 'Bad Request', Status: 400, Detail: 'Idempotency-Key must be 128 characters or fewer' },
          400,
          {},
        );
      }
      const fingerprint = `${request.method} ${url.pathname}${url.search}\n${text}`;
      const slot = key ? `${tenant}\u0000${key}` : undefined;
      const kept = slot ? fake.idempotency.get(slot) : undefined;
      if (kept && fake.now() - kept.at < fake.idempotencyWindowMs) {
        if (kept.fingerprint !== fingerprint) {
          return answer(
            {
              Title: 'Bad Request',
              Status: 400,
              Detail: `Idempotency Key ${key} is used with a different request.`,
            },
            400,
            {},
          );
        }
        return answer(kept.body, kept.status, {});
      }
      let sent: Json;
      try {
        sent = JSON.parse(text) as Json;
      } catch {
        return answer(
          { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: 'JSON for post data was invalid' },
          400,
          {},
        );
      }
      const elements = Array.isArray(sent[collection]) ? (sent[collection] as Json[]) : [];
      const ledger = fake.ledger(tenant);
      const results = elements.map((element) => apply(ledger, element, params));
      const failed = results.filter((r) => r.errors.length > 0);
      const summarize = url.searchParams.get('summarizeErrors') !== 'false';
      const shown = (r: Applied) =>
        r.errors.length
          ? {
              ...r.element,
              StatusAttributeString: 'ERROR',
              ValidationErrors: r.errors.map((Message) => ({ Message })),
            }
          : { ...r.element, StatusAttributeString: 'OK' };
      const [status, body] =
        summarize && failed.length
          ? [
              400,
              validation(
                failed.map((r) => ({
                  ...r.element,
                  ValidationErrors: r.errors.map((Message) => ({ Message })),
                })),
              ),
            ]
          : [200, envelope(fake, collection, results.map(shown))];
      if (slot) fake.idempotency.set(slot, { fingerprint, status, body, at: fake.now() });
      const lose = fake.lose.get(kind)?.shift();
      if (lose && status === 200) {
        lose();
        return { lost: HttpResponse.error() };
      }
      return answer(body, status, {});
    });

  const list = (kind: FakeKind, collection: string) =>
    gated(async (request, tenant) => {
      const q = new URL(request.url).searchParams;
      let filter: (r: Json) => boolean;
      try {
        filter = whereFilter(q.get('where'));
      } catch (error) {
        if (!(error instanceof WhereError)) throw error;
        return answer({ ErrorNumber: 16, Type: 'QueryParseException', Message: error.message }, 400, {});
      }
      const after = since(request.headers.get('if-modified-since'));
      const all = [...fake.ledger(tenant).docs[kind].values()]
        .filter((d) => filter(d) && (Number.isNaN(after) || Number(d._modifiedAt) > after))
        .sort((a, b) => Number(a._modifiedAt) - Number(b._modifiedAt));
      const page = Number(q.get('page') ?? 0);
      const size = Math.min(1000, Number(q.get('pageSize') ?? 100));
      const items = page > 0 ? all.slice((page - 1) * size, page * size) : all;
      const pagination =
        page > 0
          ? {
              pagination: {
                page,
                pageSize: size,
                pageCount: Math.ceil(all.length / size),
                itemCount: all.length,
              },
            }
          : {};
      return answer(envelope(fake, collection, items, pagination), 200, {});
    });

  const one = (kind: FakeKind, collection: string, idField: string) =>
    gated(async (_request, tenant, params) => {
      const doc = fake.ledger(tenant).docs[kind].get(params.id ?? '');
      if (!doc || doc[idField] !== params.id)
        return answer("The resource you're looking for cannot be found", 404, {});
      return answer(envelope(fake, collection, [doc]), 200, {});
    });

  const apply: Record<string, (ledger: FakeLedger, element: Json) => Applied> = {
    contacts: (l, e) => l.contact(e),
    invoices: (l, e) => l.document('invoices', e),
    creditNotes: (l, e) => l.document('creditNotes', e),
    payments: (l, e) => l.payment(e),
    manualJournals: (l, e) => l.manualJournal(e),
    bankTransactions: (l, e) => l.bankTransaction(e),
  };

  return [
    ...COLLECTIONS.flatMap((c) => [
      http.get(`${base}/${c.path}`, list(c.kind, c.path)),
      http.get(`${base}/${c.path}/:id`, one(c.kind, c.path, c.id)),
      http.put(`${base}/${c.path}`, create(c.kind, c.path, apply[c.kind]!)),
      http.post(`${base}/${c.path}`, create(c.kind, c.path, apply[c.kind]!)),
    ]),
    http.put(
      `${base}/CreditNotes/:id/Allocations`,
      create('allocations', 'Allocations', (l, e, params) => l.allocation(params.id ?? '', e)),
    ),
  ];
}
