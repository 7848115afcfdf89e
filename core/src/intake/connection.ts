import type { AuthorizedAccess } from '../connector/authorization.ts';
import type { AnyConnector } from '../connector/index.ts';
import type { OrderSource } from '../store/new-orders.ts';

/** A configured connection at run time: its connector and its parsed settings and secrets. */
export interface Connection {
  id: string;
  tenantId: string;
  connector: AnyConnector;
  settings: unknown;
  secrets: unknown;
  /** The connection's OAuth grant (connectors with `authorization`), attached by the hub. */
  authorization?: AuthorizedAccess;
}

/** What a connector's methods receive about the connection they act for. */
export function connectionContext(connection: Connection, now: () => Date = () => new Date()) {
  return {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    settings: connection.settings,
    secrets: connection.secrets,
    now,
    ...(connection.authorization ? { authorization: connection.authorization } : {}),
  };
}

export function sourceOf(connection: Connection): OrderSource {
  return { tenantId: connection.tenantId, connectionId: connection.id, connector: connection.connector.id };
}
