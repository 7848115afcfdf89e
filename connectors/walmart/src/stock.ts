import { type ActionContext, type StockFigure, type StockPushResult, VendorError } from '@switchyard/core';
import { walmartClient } from './client.ts';
import type { Secrets, Settings } from './settings.ts';

/**
 * A query value as Walmart asks for SKUs: every reserved character percent-encoded, a space as %20 (not "+",
 * which form encoding would give).
 */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Sets each SKU's stock: `PUT /v3/inventory?sku=…[&shipNode=…]` with `{ sku, quantity: { unit: "EACH", amount } }`,
 * one call per SKU and ship node (200 per minute). The ship node is the figure's location (the `channelLocation`
 * of the connection's stock mapping), else settings.shipNode, else the seller's default node. Absolute figures:
 * a retry is harmless. A SKU Walmart does not have answers 404 CONTENT_NOT_FOUND.GMP_INVENTORY_API: unknown-sku.
 */
export async function pushStock(
  context: ActionContext<Settings, Secrets>,
  { figures }: { figures: StockFigure[] },
): Promise<StockPushResult[]> {
  const api = walmartClient(context);
  // The same SKU at the same node twice: the later figure wins, both report it.
  const nodeOf = (f: StockFigure) => f.location ?? context.settings.shipNode;
  const wanted = new Map(figures.map((f) => [`${f.sku}\u0000${nodeOf(f) ?? ''}`, f]));
  const done = new Map<string, StockPushResult['status']>();
  for (const [key, figure] of wanted) {
    const node = nodeOf(figure);
    const path = `v3/inventory?sku=${encode(figure.sku)}${node ? `&shipNode=${encode(node)}` : ''}`;
    try {
      await api.json('PUT', path, {
        json: { sku: figure.sku, quantity: { unit: 'EACH', amount: figure.quantity } },
        signal: context.signal,
        what: `stock of SKU ${figure.sku}${node ? ` at ship node ${node}` : ''}`,
      });
      done.set(key, 'set');
    } catch (error) {
      const unknown =
        error instanceof VendorError &&
        (error.status === 404 || (error.code?.startsWith('CONTENT_NOT_FOUND') ?? false));
      if (!unknown) throw error;
      done.set(key, 'unknown-sku');
    }
  }
  return figures.map((f) => ({
    sku: f.sku,
    ...(f.location ? { location: f.location } : {}),
    status: done.get(`${f.sku}\u0000${nodeOf(f) ?? ''}`)!,
  }));
}
