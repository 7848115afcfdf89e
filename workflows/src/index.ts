export { startBooksDispatcher } from './books/dispatcher.ts';
export {
  type AccountingConfigInput,
  addDays,
  type BooksMode,
  type BooksPlan,
  dayEnd,
  dayIn,
  resolveBooksPlans,
} from './books/plan.ts';
export {
  BOOKS_RECONNECTED_TOPIC,
  type BooksDeps,
  booksPostingWorkflow,
  postingWorkflowId,
  refundKey,
  saleKey,
  saleKindOf,
} from './books/posting.ts';
export { booksDayWorkflow, dayWorkflowId, entriesOf, startDayStarter } from './books/summary.ts';
export { startBooksWatcher } from './books/watcher.ts';
export { type DbosEngineOptions, replayWithClient, startDbosEngine } from './engines/dbos.ts';
export {
  dbosWorkflowAdmin,
  type StepOutcome,
  type WorkflowAdmin,
  type WorkflowInspection,
} from './engines/dbos-admin.ts';
export { type ChannelStockPlan, channelLocationOf, type Location } from './locations.ts';
export {
  CANCELLED_ON_CHANNEL,
  ORDER_EVENTS_TOPIC,
  type OrderEvent,
  orderWorkflowId,
  PAYMENT_TOPIC,
} from './order/events.ts';
export type { OrderWorkflowDeps } from './order/step.ts';
export { validateOrder } from './order/steps/load-and-validate.ts';
export { orderWorkflow } from './order/workflow.ts';
export { type OrderDispatcher, startOrderDispatcher } from './order-dispatcher.ts';
export {
  FulfillmentConfig,
  type FulfillmentPlan,
  orderQueueName,
  orderQueues,
  type PaymentPolicy,
  type RoutingPlan,
  resolvePlans,
} from './plan.ts';
export { startSignalDispatcher } from './signal-dispatcher.ts';
export { figuresFor, type StockPusherOptions, startStockPusher } from './stock-pusher.ts';
export { type StockReportOptions, startStockReports } from './stock-reports.ts';
