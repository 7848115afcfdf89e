import { documentsFor } from '@switchyard/connector-x12';
import { workflowTask } from '../engines/trigger.ts';
import { orderWorkflow } from '../order/workflow.ts';
import { deployedConnectors } from './connectors.ts';
import { orderDeps } from './deps.ts';

/**
 * The order workflow as the Trigger.dev task `order`: the hub starts it with the Trigger.dev engine
 * (`createTriggerEngine`), and its steps, waits and signals are waitpoints on the platform.
 */
export const order = workflowTask('order', async () => {
  const deps = await orderDeps(deployedConnectors);
  return orderWorkflow({ ...deps, documents: documentsFor(deps.sql) });
});
