// The Xero fake for other packages' tests: `@switchyard/connector-xero/testing`. The same fake in a process of
// its own is xero-server.ts, started by path.

export type { FakeKind } from './ledger.ts';
export type { FakeLimits, FakeRequest, FakeTenant, FakeXeroOptions } from './state.ts';
export { type FakeDelivery, type FakeEvent, xeroWebhookHeaders } from './webhooks.ts';
export { type FakeXero, fakeXero } from './xero.ts';
