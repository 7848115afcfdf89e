import type { AnyConnector } from '@switchyard/core';
import * as installed from './installed.ts';

/** Connectors by id; two connectors with one id are a mistake this refuses at import, naming both. */
export function connectorRegistry(connectors: readonly AnyConnector[]): ReadonlyMap<string, AnyConnector> {
  const byId = new Map<string, AnyConnector>();
  for (const connector of connectors) {
    const other = byId.get(connector.id);
    if (other) {
      throw new Error(
        `two installed connectors have the id "${connector.id}" ("${other.title}" and "${connector.title}"); give one another id`,
      );
    }
    byId.set(connector.id, connector);
  }
  return byId;
}

/**
 * The connectors installed in this hub, by id: what the server (config, webhooks, files), the CLI and the
 * Trigger.dev entry read. The list is `installed.ts`, one export line per connector.
 */
export const installedConnectors = connectorRegistry(
  Object.values(installed).map((c) => c as unknown as AnyConnector),
);
