// What other packages' tests use of this connector's test kit: `@switchyard/connector-stripe/testing`.
export { authorizedIntent, type FakeStripe, fakeStripe, type StripeRequest } from './stripe.ts';
