// The intake: a delivery is prepared in memory (key, headers, normalization), then stored with what it maps to,
// alone (`store`) or in a batch with others (`IntakeQueue`); an exception's input can be replayed. A thin notification
// is stored with the resource it names, which the hydrator fetches after the answer (hydrate.ts). The deferred intake
// (`server.intake: 'deferred'`) answers once a delivery is stored raw and normalizes it right behind (normalizer.ts).
export { type Connection, connectionContext, sourceOf } from './connection.ts';
export { isConflict, isTransientDbError } from './database-errors.ts';
export { DeferredIntake, type DeferredOutcome, type ReceivedOutcome } from './deferred.ts';
export {
  fetchResource,
  HYDRATE_EXCEPTION,
  type HydrateOptions,
  type HydrateReport,
  hydrateDue,
  storeFetched,
} from './hydrate.ts';
export { type Hydrator, type HydratorOptions, startHydrator } from './hydrator.ts';
export { type Normalized, normalize } from './normalize.ts';
export { type NormalizeReport, type Normalizer, normalizeReceived, startNormalizer } from './normalizer.ts';
export { ACCEPTED_FOR_HYDRATION, isAcceptedForHydration } from './notification.ts';
export {
  type QueueReadReport,
  readNotificationQueue,
  startNotificationQueues,
} from './notification-queue.ts';
export type { IntakeOutcome } from './outcome.ts';
export { type PreparedDelivery, prepare, storableKey } from './prepare.ts';
export { IntakeQueue } from './queue.ts';
export { type ReplayOutcome, replay } from './replay.ts';
export { receive, store } from './store.ts';
export { VerificationKeys, verifyDelivery } from './verify.ts';
