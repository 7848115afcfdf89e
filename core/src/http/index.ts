export {
  createVendorClient,
  observeVendorCalls,
  type VendorAnswer,
  type VendorCall,
  type VendorCallObserver,
  type VendorClient,
  type VendorClientOptions,
  type VendorProblem,
  type VendorRequest,
  type VendorRetryPolicy,
} from './client.ts';
export { type RateAnswer, type RateHeaderReader, standardRateHeaders } from './rate-headers.ts';
export { describeRequest, scrub, VendorError } from './vendor-error.ts';
