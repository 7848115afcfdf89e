// The intake: a delivery is prepared in memory (key, headers, normalization), then stored with what it maps to,
// alone (`store`) or in a batch with others (`IntakeQueue`); an exception's input can be replayed.
export { type Connection, connectionContext, sourceOf } from './connection.ts';
export { isConflict, isTransientDbError } from './database-errors.ts';
export { type Normalized, normalize } from './normalize.ts';
export type { IntakeOutcome } from './outcome.ts';
export { type PreparedDelivery, prepare, storableKey } from './prepare.ts';
export { IntakeQueue } from './queue.ts';
export { type ReplayOutcome, replay } from './replay.ts';
export { receive, store } from './store.ts';
