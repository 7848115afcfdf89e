// What other packages' tests use of this connector's test kit: `@switchyard/connector-easypost/testing`.
export { type EasyPostCall, type FakeEasyPost, fakeEasyPost } from './easypost.ts';
