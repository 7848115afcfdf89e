import {
  type AnyConnector,
  ConfigError,
  type Connection,
  configPath,
  connect,
  importConfig,
  resolveConfig,
} from '@switchyard/core';
import type { OrderWorkflowDeps } from '../order/step.ts';
import { resolvePlans } from '../plan.ts';

/**
 * What the order workflow needs on a Trigger.dev machine, from its environment: the hub's database
 * (DATABASE_URL, reached from Trigger.dev's network) and the hub's config (SWITCHYARD_CONFIG, shipped with
 * the deployment) with the variables its connections' secrets name. Built at a run's first use, never at
 * import: Trigger.dev imports the task files to index them, where none of this is set.
 */
export async function orderDeps(
  connectors: ReadonlyMap<string, AnyConnector>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<OrderWorkflowDeps> {
  const url = env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set in the Trigger.dev environment: set it to the hub database (Environment Variables in the dashboard)',
    );
  }
  const file = configPath(env.SWITCHYARD_CONFIG);
  const config = resolveConfig(await importConfig(file), connectors, env, file);
  const { plans, issues } = resolvePlans(config.connections, connectors, config.locations);
  if (issues.length) throw new ConfigError(issues, file);
  const connections = new Map<string, Connection>();
  for (const c of config.connections) {
    const connector = connectors.get(c.connector)!;
    connections.set(c.id, {
      id: c.id,
      tenantId: c.tenantId,
      connector,
      settings: c.settings,
      secrets: c.secrets,
    });
  }
  return {
    sql: connect(url, { max: 5, name: 'switchyard-trigger' }),
    connections,
    plan: (order) => plans.get(order.source.connectionId),
  };
}
