import { HttpResponse, http } from 'msw';

/**
 * Stripe's API as the `stripe` client sees it: form-encoded writes, JSON answers in Stripe's object shapes,
 * errors as `{ error: { type, code, message } }`, and Idempotency-Key kept as Stripe keeps it (the same key
 * and parameters replay the saved answer; the same key with other parameters is an idempotency_error).
 * Just the calls the hub makes: PaymentIntents (retrieve, capture, cancel), Refunds, Customers, Invoices and
 * invoice items.
 */
type Obj = Record<string, unknown> & { id: string };

export interface StripeRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: Record<string, string>;
  replayed: boolean;
}

export interface FakeStripe {
  intents: Map<string, Obj>;
  refunds: Obj[];
  customers: Obj[];
  invoices: Map<string, Obj>;
  items: Obj[];
  requests: StripeRequest[];
  /** Answer the next N writes (POST) with a 500, before doing anything. */
  failNext: number;
  /** Drops every saved idempotency key, as Stripe does after about a day. */
  forgetKeys(): void;
  handlers: ReturnType<typeof http.all>[];
}

const error = (status: number, type: string, message: string, code?: string) =>
  HttpResponse.json({ error: { type, message, ...(code ? { code } : {}) } }, { status });

export function fakeStripe(secretKey: string, origin = 'https://api.stripe.com'): FakeStripe {
  let next = 1;
  const id = (prefix: string) => `${prefix}_fake${String(next++).padStart(6, '0')}`;
  const saved = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const fake: FakeStripe = {
    intents: new Map(),
    refunds: [],
    customers: [],
    invoices: new Map(),
    items: [],
    requests: [],
    failNext: 0,
    forgetKeys: () => saved.clear(),
    handlers: [],
  };
  const metadataOf = (params: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(params)
        .filter(([k]) => k.startsWith('metadata['))
        .map(([k, v]) => [k.slice(9, -1), v]),
    );

  const route = (method: string, path: string, params: Record<string, string>): [number, unknown] => {
    const intentPath = /^\/v1\/payment_intents\/([^/]+)(\/capture|\/cancel)?$/.exec(path);
    const invoicePath = /^\/v1\/invoices\/([^/]+)(\/finalize|\/send)?$/.exec(path);
    let m = intentPath;
    if (m) {
      const intent = fake.intents.get(m[1]!);
      if (!intent)
        return [
          404,
          {
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              message: `No such payment_intent: '${m[1]}'`,
            },
          },
        ];
      if (method === 'GET') return [200, intent];
      if (m[2] === '/capture') {
        if (intent.status !== 'requires_capture') {
          return [
            400,
            {
              error: {
                type: 'invalid_request_error',
                code: 'payment_intent_unexpected_state',
                message: `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
              },
            },
          ];
        }
        const amount = Number(params.amount_to_capture ?? intent.amount_capturable);
        if (amount > (intent.amount_capturable as number)) {
          return [
            400,
            {
              error: {
                type: 'invalid_request_error',
                code: 'amount_too_large',
                message: 'The amount to capture is greater than the amount capturable.',
              },
            },
          ];
        }
        Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
        return [200, intent];
      }
      if (m[2] === '/cancel') {
        if (intent.status === 'succeeded' || intent.status === 'canceled') {
          return [
            400,
            {
              error: {
                type: 'invalid_request_error',
                code: 'payment_intent_unexpected_state',
                message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
              },
            },
          ];
        }
        Object.assign(intent, {
          status: 'canceled',
          cancellation_reason: params.cancellation_reason ?? null,
          amount_capturable: 0,
        });
        return [200, intent];
      }
    }
    if (path === '/v1/refunds' && method === 'GET') {
      const data = fake.refunds.filter(
        (r) => !params.payment_intent || r.payment_intent === params.payment_intent,
      );
      return [200, { object: 'list', url: '/v1/refunds', has_more: false, data }];
    }
    if (path === '/v1/refunds' && method === 'POST') {
      const intent = fake.intents.get(params.payment_intent ?? '');
      if (!intent)
        return [
          400,
          {
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              message: `No such payment_intent: '${params.payment_intent}'`,
            },
          },
        ];
      const refunded = fake.refunds
        .filter((r) => r.payment_intent === intent.id)
        .reduce((s, r) => s + (r.amount as number), 0);
      const amount = Number(params.amount ?? (intent.amount_received as number) - refunded);
      if (amount + refunded > (intent.amount_received as number)) {
        return [
          400,
          {
            error: {
              type: 'invalid_request_error',
              code: 'charge_already_refunded',
              message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${(intent.amount_received as number) - refunded})`,
            },
          },
        ];
      }
      const refund = {
        id: id('re'),
        object: 'refund',
        amount,
        currency: intent.currency,
        payment_intent: intent.id,
        status: 'succeeded',
        reason: params.reason ?? null,
        metadata: metadataOf(params),
      };
      fake.refunds.push(refund);
      return [200, refund];
    }
    if (path === '/v1/customers' && method === 'GET') {
      const data = fake.customers
        .filter((c) => !params.email || c.email === params.email)
        .slice(0, Number(params.limit ?? 10));
      return [200, { object: 'list', url: '/v1/customers', has_more: false, data }];
    }
    if (path === '/v1/customers' && method === 'POST') {
      const customer = {
        id: id('cus'),
        object: 'customer',
        email: params.email ?? null,
        name: params.name ?? null,
        metadata: metadataOf(params),
      };
      fake.customers.push(customer);
      return [200, customer];
    }
    const list = (data: Obj[]) =>
      [200, { object: 'list', url: path, has_more: false, data }] as [number, unknown];
    if (path === '/v1/invoices' && method === 'GET') {
      return list(
        [...fake.invoices.values()].filter((i) => !params.customer || i.customer === params.customer),
      );
    }
    if (path === '/v1/invoiceitems' && method === 'GET') {
      return list(fake.items.filter((i) => !params.invoice || i.invoice === params.invoice));
    }
    if (path === '/v1/invoices' && method === 'POST') {
      const invoice = {
        id: id('in'),
        object: 'invoice',
        customer: params.customer,
        collection_method: params.collection_method,
        days_until_due: Number(params.days_until_due),
        currency: params.currency,
        status: 'draft',
        total: 0,
        amount_due: 0,
        amount_paid: 0,
        metadata: metadataOf(params),
        sent: false,
        custom_fields: params['custom_fields[0][value]']
          ? [{ name: params['custom_fields[0][name]'], value: params['custom_fields[0][value]'] }]
          : null,
      };
      fake.invoices.set(invoice.id, invoice);
      return [200, invoice];
    }
    if (path === '/v1/invoiceitems' && method === 'POST') {
      const invoice = fake.invoices.get(params.invoice ?? '');
      if (invoice?.status !== 'draft')
        return [400, { error: { type: 'invalid_request_error', message: 'Invoice is not a draft' } }];
      const item = {
        id: id('ii'),
        object: 'invoiceitem',
        invoice: invoice.id,
        amount: Number(params.amount),
        currency: params.currency,
        description: params.description,
        metadata: metadataOf(params),
      };
      fake.items.push(item);
      invoice.total = (invoice.total as number) + item.amount;
      invoice.amount_due = invoice.total;
      return [200, item];
    }
    m = invoicePath;
    if (m) {
      const invoice = fake.invoices.get(m[1]!);
      if (!invoice)
        return [
          404,
          {
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              message: `No such invoice: '${m[1]}'`,
            },
          },
        ];
      if (method === 'GET') return [200, invoice];
      if (!m[2] && method === 'POST') {
        invoice.metadata = { ...(invoice.metadata as object), ...metadataOf(params) };
        return [200, invoice];
      }
      if (m[2] === '/finalize') {
        if (invoice.status !== 'draft')
          return [
            400,
            {
              error: {
                type: 'invalid_request_error',
                code: 'invoice_not_editable',
                message: 'This invoice is already finalized.',
              },
            },
          ];
        invoice.status = 'open';
        return [200, invoice];
      }
      if (m[2] === '/send') {
        if (invoice.status !== 'open')
          return [
            400,
            { error: { type: 'invalid_request_error', message: 'You can only send an open invoice.' } },
          ];
        invoice.sent = true;
        return [200, invoice];
      }
    }
    return [
      404,
      { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } },
    ];
  };

  fake.handlers = [
    http.all(`${origin}/v1/*`, async ({ request }) => {
      if (request.headers.get('authorization') !== `Bearer ${secretKey}`) {
        return error(401, 'invalid_request_error', 'Invalid API Key provided: sk_test_****');
      }
      const url = new URL(request.url);
      const body = request.method === 'GET' ? url.searchParams : new URLSearchParams(await request.text());
      const params = Object.fromEntries(body.entries());
      const key = request.headers.get('idempotency-key');
      const record: StripeRequest = {
        method: request.method,
        path: url.pathname,
        idempotencyKey: key,
        params,
        replayed: false,
      };
      fake.requests.push(record);
      if (fake.failNext > 0 && request.method === 'POST') {
        fake.failNext--;
        return error(500, 'api_error', 'An unknown error occurred');
      }
      const fingerprint = `${request.method} ${url.pathname} ${body.toString()}`;
      if (key && request.method === 'POST') {
        const earlier = saved.get(key);
        if (earlier && earlier.fingerprint !== fingerprint) {
          return error(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          );
        }
        if (earlier) {
          record.replayed = true;
          return HttpResponse.json(earlier.body as never, {
            status: earlier.status,
            headers: { 'idempotent-replayed': 'true' },
          });
        }
      }
      const [status, answer] = route(request.method, url.pathname, params);
      // Stripe saves the answer of a request that reached it, errors included (not 500s).
      if (key && request.method === 'POST' && status < 500)
        saved.set(key, { fingerprint, status, body: answer });
      return HttpResponse.json(answer as never, { status, headers: { 'request-id': `req_${next++}` } });
    }),
  ];
  return fake;
}

/** A PaymentIntent authorized at order time, waiting for capture. */
export function authorizedIntent(amount: number, currency = 'eur'): Obj {
  return {
    id: `pi_fake_${amount}_${Math.random().toString(36).slice(2, 8)}`,
    object: 'payment_intent',
    amount,
    amount_capturable: amount,
    amount_received: 0,
    capture_method: 'manual',
    currency,
    status: 'requires_capture',
    metadata: {},
  };
}
