// The eBay fake for other packages' tests: `@switchyard/connector-ebay/testing`. The same fake in a process of
// its own (the bench, the CLI) is ebay-server.ts, started by path.

export { type FakeEbay, type FakeEbayOptions, type FakeEbayState, fakeEbay } from './ebay.ts';
export {
  type EbayOrderJson,
  ebayOrder,
  type FakeLine,
  type FakeOrderInput,
  orderConfirmation,
} from './orders.ts';
