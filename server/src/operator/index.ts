/**
 * What operators do, once for the REST API and the console: each action takes an `OperatorContext` (who, on
 * which hub), checks the role, scopes every query to the principal's tenant, and writes the audit log.
 */
export {
  type AuthorizationStart,
  authorizationStatus,
  beginAuthorization,
  CALLBACK_PATH,
  completeAuthorization,
  redirectUriOf,
} from './authorize.ts';
export { type ConnectionHealth, connectionHealth, startSync } from './connections.ts';
export { type OperatorContext, requireRole, tenantConnection, type VendorCallStats } from './context.ts';
export { ediDocument, ediDocuments, ediInterchanges, ediPartners, resendDocument } from './edi.ts';
export {
  BULK_REPLAY,
  type BulkReplayFilter,
  bodyOf,
  closeException,
  editAndReplay,
  exceptionDetail,
  exceptionOf,
  replayException,
  startBulkReplay,
} from './exceptions.ts';
export {
  checkMovement,
  MANUAL_KINDS,
  type ManualKind,
  type ManualMovement,
  type MovementFilter,
  QUANTITY_MAX,
  type RecordedMovement,
  recordMovement,
  skuDetail,
  stockLevels,
  stockMovements,
  tenantLocations,
} from './inventory.ts';
export { BACKFILL_JOB, type JobRunner, type JobRunnerOptions, SYNC_JOB, startJobRunner } from './jobs.ts';
export { cancelJobAction } from './jobs-cancel.ts';
export { createKey, keys, revokeKey } from './keys.ts';
export { overview } from './overview.ts';
export { type Reroute, rerouteAction, routingOf } from './routing.ts';
export { FILE_KINDS, type FileKind, type FileLoad, loadStockFile } from './stock-file.ts';
export { type SubscriptionSync, syncWebhookSubscriptions } from './webhooks.ts';
export { cancelWorkflow, inspectWorkflow, replayWorkflow, workflowOf } from './workflows.ts';
