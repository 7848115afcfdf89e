// The QuickBooks Online fake for other packages' tests: `@switchyard/connector-quickbooks/testing`. The same fake
// in a process of its own is quickbooks-server.ts, started by path (see its header).

export { controlRoutes } from './control-routes.ts';
export {
  cloudEvent,
  cloudEventsDelivery,
  type FakeCloudEvent,
  type FakeDelivery,
  intuitSignature,
  signedDelivery,
} from './deliveries.ts';
export { type FakeQuickBooks, type FakeQuickBooksOptions, fakeQuickBooks } from './quickbooks.ts';
export { FAKE_ENTITIES, type FakeCall, type FakeEntity, type FakeObject } from './state.ts';
