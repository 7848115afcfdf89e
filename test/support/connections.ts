import { type Connection, SecretBox, type Sql, serverLimits, syncConfig } from '@switchyard/core';

/** Writes a test's tenant and its connections (already parsed) to the store, as the hub does from its config. */
export async function storeConnections(
  sql: Sql,
  connections: Iterable<Connection>,
  tenant = 'acme',
): Promise<void> {
  await syncConfig(
    sql,
    {
      tenants: [{ id: tenant, name: tenant }],
      connections: [...connections].map((c) => ({
        id: c.id,
        tenantId: tenant,
        connector: c.connector.id,
        settings: c.settings,
        secrets: c.secrets as Record<string, string>,
        defaultedEnv: [],
      })),
      server: serverLimits({ bodyLimit: 1 << 20 }),
    },
    SecretBox.fromString(SecretBox.generateKey()),
  );
}
