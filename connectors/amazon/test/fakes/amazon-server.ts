// A fake Amazon (SP-API, Login with Amazon, SQS) in its own process, for benchmarks and tests that run the real
// `switchyard` binary: point the connection's settings.endpoint, settings.tokenUrl (<origin>/auth/o2/token) and
// settings.sqs.endpoint at it. Seeds AMAZON_FAKE_ORDERS orders updated over the last days before now; with
// AMAZON_FAKE_SCALE it enforces every operation's documented usage plan, rates times that factor, and states the
// scaled rate in x-amzn-RateLimit-Limit as Amazon states a seller's. GET /__fake/stats tells what it saw;
// POST /__fake/orders puts an order (an Orders v2026-01-01 order, or `{ orderId, updatedAt }` for a sample one)
// on it, POST /__fake/sqs a message on its queue (an ORDER_CHANGE, as Amazon would); AMAZON_FAKE_LONG_POLL_MS holds
// an empty ReceiveMessage that long, as SQS's long polling does. Prints `listening on <origin>`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CREDENTIALS } from './index.ts';
import { sampleOrder } from './orders.ts';
import { fakeSpApi } from './sp-api.ts';
import { fakeSqs } from './sqs.ts';

const count = Number(process.env.AMAZON_FAKE_ORDERS ?? 10);
const scale = process.env.AMAZON_FAKE_SCALE ? Number(process.env.AMAZON_FAKE_SCALE) : undefined;
const sellerId = process.env.AMAZON_FAKE_SELLER ?? 'A3SELLERFAKE01';
/** The orders' updates spread over this many days before the start, oldest first. */
const days = Number(process.env.AMAZON_FAKE_DAYS ?? 7);

type Fake = { handle(request: Request): Promise<Response | undefined> };
type Control = Record<string, (body: Buffer) => unknown>;

/** Serves Fetch-style handlers over node:http: the request as a `Request`, the first answer given. */
function serve(fakes: Fake[], stats: () => unknown, control: Control) {
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = `http://${req.headers.host}${req.url}`;
    const path = new URL(url).pathname;
    if (req.method === 'GET' && path === '/__fake/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()));
      return;
    }
    const act = req.method === 'POST' ? control[path] : undefined;
    if (act) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(act(Buffer.concat(chunks)) ?? {}));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const body =
      chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    const request = new Request(url, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
    let answer: Response | undefined;
    for (const fake of fakes) {
      answer = await fake.handle(request.clone());
      if (answer) break;
    }
    answer ??= Response.json({ message: `no fake answers ${req.method} ${req.url}` }, { status: 404 });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      out[k] = v;
    });
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
}

const server = createServer().listen(Number(process.env.AMAZON_FAKE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  server.close(() => {
    const origin = `http://127.0.0.1:${port}`;
    const api = fakeSpApi({
      api: origin,
      tokenUrl: `${origin}/auth/o2/token`,
      sellerId,
      ...CREDENTIALS,
      ...(scale ? { enforce: { scale } } : {}),
    });
    const sqs = fakeSqs({
      queueUrl: `${origin}/123456789012/switchyard-orders`,
      endpoint: origin,
      accessKeyId: CREDENTIALS.awsAccessKeyId,
    });
    // SQS holds a ReceiveMessage up to its WaitTimeSeconds for a message; the default keeps tests quick.
    if (process.env.AMAZON_FAKE_LONG_POLL_MS) sqs.longPollMs = Number(process.env.AMAZON_FAKE_LONG_POLL_MS);
    const start = Date.now() - days * 86_400_000;
    const step = (days * 86_400_000 - 10 * 60_000) / Math.max(1, count);
    for (let i = 0; i < count; i++) {
      const id = `113-${String(i).padStart(7, '0')}-0000001`;
      const order = sampleOrder(id, new Date(start + i * step).toISOString());
      api.orders.set(order.orderId, order);
    }
    const stats = () => {
      const byOperation: Record<string, { calls: number; throttled: number }> = {};
      for (const c of api.calls) {
        const s = byOperation[c.operation] ?? { calls: 0, throttled: 0 };
        byOperation[c.operation] = s;
        s.calls++;
        if (c.status === 429) s.throttled++;
      }
      const searches = api.calls.filter((c) => c.operation === 'searchOrders');
      return {
        byOperation,
        throttled: api.calls.filter((c) => c.status === 429).length,
        /** The throttled searchOrders calls beyond the first one. */
        throttledAfterFirst: Math.max(0, searches.filter((c) => c.status === 429).length - 1),
        searchSpanMs: searches.length ? searches.at(-1)!.at - searches[0]!.at : 0,
        /** Which searchOrders calls were refused (0 is the first), and when after the first call (ms). */
        throttledSearches: searches
          .map((c, i) => ({ i, status: c.status, ms: c.at - searches[0]!.at }))
          .filter((c) => c.status === 429)
          .map(({ i, ms }) => ({ call: i, ms })),
        mints: api.mints,
      };
    };
    const control: Control = {
      '/__fake/orders': (body) => {
        const given = JSON.parse(body.toString()) as {
          orderId: string;
          lastUpdatedTime?: string;
          updatedAt?: string;
        };
        const order = given.lastUpdatedTime
          ? (given as ReturnType<typeof sampleOrder>)
          : sampleOrder(given.orderId, given.updatedAt ?? new Date().toISOString());
        api.orders.set(order.orderId, order);
        return { orderId: order.orderId };
      },
      '/__fake/sqs': (body) => ({ messageId: sqs.send(body.toString()) }),
    };
    serve([sqs, api], stats, control).listen(port, '127.0.0.1', () =>
      process.stdout.write(`listening on ${origin}\n`),
    );
  });
});
process.on('SIGTERM', () => process.exit(0));
