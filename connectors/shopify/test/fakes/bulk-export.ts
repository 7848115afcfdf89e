import { HttpResponse, http } from 'msw';
import type { FakeBulkOperation, FakeOrderNode, FakeShopify } from './shopify.ts';

/** The number at the end of a gid. */
export const numeric = (gid: string) => gid.split('/').pop()!;

/** The fake's orders changed at or after `since` (all without), oldest change first, as Shopify sorts UPDATED_AT. */
export function changedSince(fake: FakeShopify, since: string | undefined): FakeOrderNode[] {
  return fake.nodes
    .filter((n) => !since || Date.parse(n.updatedAt) >= Date.parse(since))
    .sort((a, c) => a.updatedAt.localeCompare(c.updatedAt) || a.id.localeCompare(c.id));
}

/** The JSONL a grouped bulk export writes: each order, then its line items and shipping lines with __parentId. */
export function exportJsonl(op: FakeBulkOperation, nodes: FakeOrderNode[]): Buffer {
  const out: string[] = [];
  for (const node of nodes) {
    const { lineItems, shippingLines, ...order } = node;
    const { fulfillments, refunds } = node;
    out.push(
      JSON.stringify({
        ...order,
        fulfillments: fulfillments.map(({ fulfillmentLineItems: _, ...f }) => f),
        refunds: refunds.map(({ refundLineItems: _l, transactions: _t, ...r }) => r),
      }),
    );
    // The hub selects __typename on children; Shopify writes it into each line.
    for (const li of lineItems.nodes)
      out.push(JSON.stringify({ __typename: 'LineItem', ...li, __parentId: node.id }));
    shippingLines.nodes.forEach((sl, i) => {
      out.push(
        JSON.stringify({
          __typename: 'ShippingLine',
          id: `gid://shopify/ShippingLine/${numeric(node.id)}${i}`,
          ...sl,
          __parentId: node.id,
        }),
      );
    });
    op.roots++;
    op.objects += 1 + lineItems.nodes.length + shippingLines.nodes.length;
  }
  return Buffer.from(out.length ? `${out.join('\n')}\n` : '');
}

/**
 * Where a finished export's JSONL is downloaded, as Shopify's storage serves it: a signed link that needs no
 * token, `Range: bytes=N-` answered 206 (416 past the end), 403 once the link has expired.
 */
export function bulkFileHandler(fake: FakeShopify) {
  return http.get(`${fake.bulk.origin}/bulk-results/:file`, ({ request, params }) => {
    const op = fake.bulk.operations.find((o) => `${numeric(o.id)}.jsonl` === params.file);
    if (!op?.file) return new HttpResponse(null, { status: 404 });
    const range = request.headers.get('range');
    fake.bulk.downloads.push(range);
    if (request.headers.has('x-shopify-access-token')) fake.bulk.downloadsWithToken++;
    if (fake.bulk.expiredFiles.has(op.id)) {
      return new HttpResponse('<Error><Code>ExpiredToken</Code></Error>', { status: 403 });
    }
    const from = Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? 0);
    if (range && from >= op.file.length) {
      return new HttpResponse(null, {
        status: 416,
        headers: { 'content-range': `bytes */${op.file.length}` },
      });
    }
    const body = op.file.subarray(from);
    return new HttpResponse(new Uint8Array(body), {
      status: range ? 206 : 200,
      headers: {
        'content-type': 'application/jsonl',
        ...(range ? { 'content-range': `bytes ${from}-${op.file.length - 1}/${op.file.length}` } : {}),
      },
    });
  });
}
