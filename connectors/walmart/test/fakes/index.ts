// The Walmart Marketplace fake for other packages' tests: `@switchyard/connector-walmart/testing`. The same fake in
// a process of its own is walmart-server.ts, started by path.

export { DOCUMENTED, type FakeOperation } from './buckets.ts';
export { walmartErrorBody } from './gateway.ts';
export { type FakeLine, type FakeOrderOptions, walmartOrder } from './orders.ts';
export { type FakeCall, type FakeWalmart, type FakeWalmartOptions, fakeWalmart } from './walmart.ts';
