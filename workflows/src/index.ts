export {
  FulfillmentConfig,
  type OrderDispatcher,
  orderQueueName,
  orderQueues,
  resolvePlans,
  startOrderDispatcher,
  startSignalDispatcher,
} from './dispatch.ts';
export { type DbosEngineOptions, replayWithClient, startDbosEngine } from './engines/dbos.ts';
export {
  type FulfillmentPlan,
  ORDER_EVENTS_TOPIC,
  type OrderEvent,
  type OrderWorkflowDeps,
  orderWorkflow,
  orderWorkflowId,
  PAYMENT_TOPIC,
  type PaymentPolicy,
  validateOrder,
} from './order.ts';
