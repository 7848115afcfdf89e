import type { Sql } from 'postgres';
import type { ResolvedConfig } from '../config.ts';
import type { SecretBox } from '../secrets.ts';

export interface StoredConnection {
  id: string;
  tenantId: string;
  connector: string;
  settings: unknown;
  secrets: Record<string, string>;
}

const context = (connectionId: string) => `connection:${connectionId}`;

/**
 * Makes the database match the config: tenants and connections upserted, secrets
 * sealed with AES-256-GCM, connections no longer in the config deactivated (their
 * inbox, orders and exceptions stay).
 */
export async function syncConfig(sql: Sql, config: ResolvedConfig, box: SecretBox): Promise<void> {
  await sql.begin(async (tx) => {
    for (const t of config.tenants) {
      await tx`
        insert into tenants (id, name) values (${t.id}, ${t.name})
        on conflict (id) do update set name = excluded.name, updated_at = now()
        where tenants.name is distinct from excluded.name`;
    }
    for (const c of config.connections) {
      const sealed = box.seal(JSON.stringify(c.secrets), context(c.id));
      await tx`
        insert into connections (id, tenant_id, connector, settings, secrets, active)
        values (${c.id}, ${c.tenantId}, ${c.connector}, ${tx.json(c.settings as never)}, ${sealed}, true)
        on conflict (id) do update set tenant_id = excluded.tenant_id, connector = excluded.connector,
          settings = excluded.settings, secrets = excluded.secrets, active = true, updated_at = now()`;
    }
    const ids = config.connections.map((c) => c.id);
    await tx`update connections set active = false, updated_at = now() where active and not (id = any(${ids}::text[]))`;
  });
}

/** The active connections with their secrets opened. */
export async function loadConnections(sql: Sql, box: SecretBox): Promise<StoredConnection[]> {
  const rows = await sql<
    { id: string; tenantId: string; connector: string; settings: unknown; secrets: string | null }[]
  >`
    select id, tenant_id as "tenantId", connector, settings, secrets from connections where active order by id`;
  return rows.map((r) => ({
    ...r,
    secrets: r.secrets ? (JSON.parse(box.open(r.secrets, context(r.id))) as Record<string, string>) : {},
  }));
}
