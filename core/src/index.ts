export * from './address.ts';
export * from './budget.ts';
export * from './config.ts';
export * from './connector/index.ts';
export type * from './documents.ts';
export * from './engine.ts';
export * from './errors.ts';
export * from './http/index.ts';
export * from './ids.ts';
export * from './intake/index.ts';
export * from './loop.ts';
export * from './money.ts';
export * from './order.ts';
export * from './pull-cursor.ts';
export * from './retry.ts';
export * from './secrets.ts';
export * from './signatures.ts';
export { checkServer, connect, redactUrl, type Sql } from './store/db.ts';
export { type EmbeddedOptions, type EmbeddedServer, startEmbedded } from './store/embedded.ts';
export { getException, type HubException, listExceptions, recordException } from './store/exceptions.ts';
export { getInboxEntry, type InboxEntry, storeRaw } from './store/inbox.ts';
export { connectorMigrations, type MigrationResult, type MigrationSource, migrate } from './store/migrate.ts';
export {
  type ApplyResult,
  appendOrderEvent,
  applyOrder,
  getOrder,
  listOrders,
  type OrderEvent,
  type OrderPage,
  type OrderSummary,
  orderStatusOf,
} from './store/orders.ts';
export { loadConnections, type StoredConnection, syncConfig } from './store/tenants.ts';
export {
  type CancelledOrder,
  handOverCancellations,
  handOverInboxEvents,
  orderIdByTrackingCode,
  type SignalHandover,
  type StoredEvent,
} from './store/workflow-signals.ts';
export {
  type AwaitingWorkflow,
  activateFulfillment,
  startAwaitingWorkflows,
} from './store/workflow-starts.ts';
export { lastSyncAt, runSync, type SyncOptions, type SyncReport } from './sync.ts';
