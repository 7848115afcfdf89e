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
export {
  type ApiKey,
  authenticateKey,
  createApiKey,
  listApiKeys,
  looksLikeKey,
  type Principal,
  ROLES,
  type Role,
  revokeApiKey,
  roleAllows,
} from './store/api-keys.ts';
export {
  type AuditEntry,
  type AuditPage,
  listAudit,
  type NewAuditEntry,
  recordAudit,
} from './store/audit.ts';
export {
  activateBooks,
  type BookPosting,
  getPosting,
  listPostings,
  lookAtChangedOrders,
  markInvoicePaid,
  openInvoiceCount,
  parkedWorkflows,
  postingCounts,
  postingsOfOrder,
  recordPosting,
} from './store/book-postings.ts';
export {
  claimNextDay,
  type DaySummary,
  finishSummary,
  gatherDay,
  listSummaries,
  type SummaryEntry,
  summaryBreakdown,
  summaryId,
} from './store/book-summaries.ts';
export { checkServer, connect, redactUrl, type Sql } from './store/db.ts';
export { type EmbeddedOptions, type EmbeddedServer, startEmbedded } from './store/embedded.ts';
export {
  closeException,
  countExceptions,
  EXCEPTIONS_PAGE_MAX,
  type ExceptionCounts,
  type ExceptionFilter,
  type ExceptionPage,
  exceptionNotFound,
  getException,
  type HubException,
  listExceptions,
  pointAtRevision,
  recordException,
} from './store/exceptions.ts';
export {
  AUTHORIZATION_TTL_MS,
  type AuthorizedAccessOptions,
  authorizationOutcome,
  authorizedAccess,
  finishAuthorization,
  type GrantState,
  readGrantStates,
  type StartedAuthorization,
  saveGrant,
  startAuthorization,
  takeAuthorization,
} from './store/grants.ts';
export { getInboxEntry, type InboxEntry, storeEditedInput, storeRaw } from './store/inbox.ts';
export {
  cancelJob,
  claimJob,
  createJob,
  finishJob,
  getJob,
  JOB_LEASE_MS,
  type Job,
  type JobStatus,
  listJobs,
  saveProgress,
  touchJob,
} from './store/jobs.ts';
export { connectorMigrations, type MigrationResult, type MigrationSource, migrate } from './store/migrate.ts';
export {
  type Delivery,
  getDelivery,
  getOrderDetail,
  type OrderDelivery,
  type OrderDetail,
  type OrderTimelineEvent,
  readableBody,
} from './store/order-detail.ts';
export {
  listOrders,
  ORDERS_PAGE_DEFAULT,
  ORDERS_PAGE_MAX,
  type OrderFilter,
  type OrderPage,
  type OrderSort,
  type OrderSummary,
} from './store/order-list.ts';
export {
  type ApplyResult,
  appendOrderEvent,
  applyOrder,
  getOrder,
  metShipBy,
  type OrderEvent,
  orderStatusOf,
} from './store/orders.ts';
export { type Reroute, type RerouteInput, rerouteShipment, rerouteShipmentIn } from './store/reroute.ts';
export {
  type AllocatedLine,
  type Allocation,
  type AllocationResult,
  allocateStock,
  markShipmentRated,
  type PlannedShipment,
  releaseStock,
  shipmentLocation,
  shipStock,
  unshipStock,
} from './store/reservations.ts';
export {
  applyMovement,
  applyMovements,
  byCodeUnits,
  checkLedger,
  type Level,
  type Movement,
  type MovementInput,
  type MovementKind,
  markChanged,
  stockRefusal,
} from './store/stock-ledger.ts';
export {
  availableBySku,
  claimDueStock,
  type DueSku,
  finishDueStock,
  lastPushed,
  owePush,
  type PushedFigure,
  pushedWithin,
  recordPushed,
  releaseDueStock,
  renewDueStock,
  skuOfChannelItem,
} from './store/stock-push.ts';
export {
  type LevelFilter,
  listLevels,
  listMovements,
  type OrderRouting,
  orderRouting,
  STOCK_PAGE_DEFAULT,
  STOCK_PAGE_MAX,
  skuStock,
} from './store/stock-read.ts';
export { countFromChannel, overruleChannelFigure } from './store/stock-reports.ts';
export { loadConnections, type StoredConnection, syncConfig } from './store/tenants.ts';
export { readTokenStates, recordTokenState } from './store/token-states.ts';
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
