// The WooCommerce fake for other packages' tests: `@switchyard/connector-woocommerce/testing`. The same fake in a
// process of its own is woocommerce-server.ts, started by path.

export type { FakeWooProduct, FakeWooStock } from './products.ts';
export { type FakeWooCommerce, type FakeWooOrder, fakeWooCommerce, wooOrder } from './woocommerce.ts';
