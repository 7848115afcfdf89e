export {
  createVendorClient,
  type VendorAnswer,
  type VendorClient,
  type VendorClientOptions,
  type VendorProblem,
  type VendorRequest,
  type VendorRetryPolicy,
} from './client.ts';
export { type RateAnswer, type RateHeaderReader, standardRateHeaders } from './rate-headers.ts';
export { describeRequest, scrub, VendorError } from './vendor-error.ts';
