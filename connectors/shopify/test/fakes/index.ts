// The connector's fake Shopify for other packages' tests and benchmarks: `@switchyard/connector-shopify/testing`.
// In a process of its own (the real `switchyard` binary pointed at it): `shopify-server.ts` beside this file.
export {
  type FakeBulkOperation,
  type FakeOrderNode,
  type FakeShopify,
  type FakeShopifyOrder,
  fakeShopify,
  shopifyNode,
} from './shopify.ts';
export type { FakeStock, FakeStockQuantity, FakeVariant } from './stock.ts';
