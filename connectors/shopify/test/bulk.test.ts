import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { streamOrders } from '../src/bulk.ts';

/** Reading a bulk export's JSONL as Shopify's storage sends it: in arbitrary chunks, over a real socket. */
let server: Server | undefined;
afterEach(() => server?.close());

let requests = 0;

/** Serves `body` in chunks of `size` bytes, honouring `Range: bytes=N-` as storage does (206, or 416 past the end). */
async function serve(body: Buffer, size: number): Promise<string> {
  requests = 0;
  server = createServer(async (req, res) => {
    requests++;
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from >= body.length && from > 0) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(
      from ? 206 : 200,
      from ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {},
    );
    for (let i = from; i < body.length; i += size) {
      res.write(body.subarray(i, i + size));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/export.jsonl`;
}

const order = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `gid://shopify/Order/${n}`,
    name: `#${n}`,
    updatedAt: '2026-11-20T10:00:00Z',
    ...extra,
  });
const line = (n: number, parent: number, title = 'Cap') =>
  JSON.stringify({
    id: `gid://shopify/LineItem/${n}`,
    title,
    quantity: 1,
    __parentId: `gid://shopify/Order/${parent}`,
  });
const shipping = (n: number, parent: number) =>
  JSON.stringify({
    id: `gid://shopify/ShippingLine/${n}`,
    code: 'Standard',
    __parentId: `gid://shopify/Order/${parent}`,
  });

async function collect(url: string, from = 0, onEach?: () => Promise<void>, timeoutSeconds = 5) {
  const out: { node: Record<string, unknown>; next: number }[] = [];
  for await (const o of streamOrders(url, from, { timeoutSeconds }, new AbortController().signal)) {
    out.push(o);
    await onEach?.();
  }
  return out;
}

describe('bulk export JSONL', () => {
  it('puts children back under their order across chunk boundaries, multi-byte text and CRLF included', async () => {
    const second = order(2, { note: 'ünïcödé 🧾' });
    const text = [
      order(1),
      line(11, 1, 'Café crème ☕'),
      shipping(12, 1),
      second,
      order(3),
      line(31, 3),
      line(32, 3),
    ].join('\r\n');
    const body = Buffer.from(`${text}\r\n`);
    // 3-byte chunks split every multi-byte character and every CRLF somewhere.
    const orders = await collect(await serve(body, 3));
    expect(orders.map((o) => o.node.id)).toEqual([
      'gid://shopify/Order/1',
      'gid://shopify/Order/2',
      'gid://shopify/Order/3',
    ]);
    expect(orders[0]!.node).toMatchObject({
      lineItems: { nodes: [{ id: 'gid://shopify/LineItem/11', title: 'Café crème ☕' }] },
      shippingLines: { nodes: [{ id: 'gid://shopify/ShippingLine/12', code: 'Standard' }] },
    });
    expect(orders[0]!.node.lineItems).not.toHaveProperty('nodes.0.__parentId');
    expect(orders[1]!.node).toMatchObject({ note: 'ünïcödé 🧾', lineItems: { nodes: [] } });
    expect((orders[2]!.node.lineItems as { nodes: unknown[] }).nodes).toHaveLength(2);
    // Each order's `next` is the byte where the following order's line starts; the last one's is the end.
    expect(orders[0]!.next).toBe(body.indexOf(Buffer.from(second)));
    expect(orders[1]!.next).toBe(body.indexOf(Buffer.from(order(3))));
    expect(orders[2]!.next).toBe(body.length);
  });

  it('starts at a byte offset with a Range request', async () => {
    const body = Buffer.from(`${[order(1), line(11, 1), order(2), line(21, 2)].join('\n')}\n`);
    const from = body.indexOf(Buffer.from(order(2)));
    const orders = await collect(await serve(body, 64), from);
    expect(orders.map((o) => o.node.id)).toEqual(['gid://shopify/Order/2']);
    expect(orders[0]!.next).toBe(body.length);
  });

  it('keeps ids beyond 2^53 exact', async () => {
    const body = Buffer.from(`{"id":"gid://shopify/Order/1","legacyResourceId":9007199254740993123}\n`);
    const [only] = await collect(await serve(body, 16));
    expect(only!.node.legacyResourceId).toBe('9007199254740993123');
  });

  it('refuses a file whose children do not follow their order (not grouped)', async () => {
    const body = Buffer.from(`${[order(1), order(2), line(11, 1)].join('\n')}\n`);
    await expect(collect(await serve(body, 1024))).rejects.toThrow(
      /belongs to gid:\/\/shopify\/Order\/1, which is not the order before it: the export was not run with groupObjects/,
    );
  });

  it('refuses a child it cannot place', async () => {
    const body = Buffer.from(
      `${[order(1), JSON.stringify({ id: 'gid://shopify/Metafield/5', __parentId: 'gid://shopify/Order/1' })].join('\n')}\n`,
    );
    await expect(collect(await serve(body, 1024))).rejects.toThrow(
      /is a Metafield, not a line item or shipping line/,
    );
  });

  it('places a child by its __typename when it has no id', async () => {
    const child = {
      __typename: 'ShippingLine',
      id: null,
      code: 'Pickup',
      __parentId: 'gid://shopify/Order/1',
    };
    const body = Buffer.from(`${order(1)}\n${JSON.stringify(child)}\n`);
    const [only] = await collect(await serve(body, 1024));
    expect(only!.node.shippingLines).toEqual({ nodes: [{ id: null, code: 'Pickup' }] });
  });

  it('reads nothing from an offset at the end of the file (416)', async () => {
    const body = Buffer.from(`${order(1)}\n`);
    expect(await collect(await serve(body, 1024), body.length)).toEqual([]);
    expect(requests).toBe(1);
  });

  it('does not count the time spent on an order as the download’s silence', async () => {
    const body = Buffer.from(`${[order(1), order(2), order(3)].join('\n')}\n`);
    const slow = () => new Promise<void>((r) => setTimeout(r, 1500));
    const orders = await collect(await serve(body, 1024), 0, slow, 1);
    expect(orders).toHaveLength(3);
    expect(requests).toBe(1);
  });

  it('refuses a line that is not JSON at once, without downloading again', async () => {
    const body = Buffer.from(`${order(1)}\n{"id": "gid://shopify/Order/2", \n`);
    await expect(collect(await serve(body, 1024))).rejects.toThrow(/line at byte \d+ is not JSON/);
    expect(requests).toBe(1);
  });
});
