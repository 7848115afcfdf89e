import {
  type ApiKey,
  createApiKey,
  listApiKeys,
  type Role,
  recordAudit,
  revokeApiKey,
} from '@switchyard/core';
import { type OperatorContext, requireRole } from './context.ts';

/** The tenant's keys (never the keys themselves): admins only. */
export async function keys(ctx: OperatorContext): Promise<ApiKey[]> {
  requireRole(ctx, 'admin', 'listing keys');
  return listApiKeys(ctx.hub.sql, ctx.by.tenantId);
}

/** Creates a key of the tenant; the key is in the answer once and never again. Audited (without the key). */
export async function createKey(
  ctx: OperatorContext,
  input: { role: Role; name?: string },
): Promise<{ key: ApiKey; secret: string }> {
  requireRole(ctx, 'admin', 'creating keys');
  return ctx.hub.sql.begin(async (tx) => {
    const created = await createApiKey(tx, { tenantId: ctx.by.tenantId, createdBy: ctx.by.actor, ...input });
    await recordAudit(tx, ctx.by, {
      action: 'key.create',
      targetType: 'key',
      targetId: created.key.id,
      after: { name: created.key.name, role: created.key.role, prefix: created.key.prefix },
      requestId: ctx.requestId,
    });
    return created;
  });
}

export async function revokeKey(ctx: OperatorContext, id: string): Promise<ApiKey> {
  requireRole(ctx, 'admin', 'revoking keys');
  return ctx.hub.sql.begin(async (tx) => {
    const key = await revokeApiKey(tx, ctx.by.tenantId, id);
    await recordAudit(tx, ctx.by, {
      action: 'key.revoke',
      targetType: 'key',
      targetId: id,
      after: { revokedAt: key.revokedAt },
      requestId: ctx.requestId,
    });
    return key;
  });
}
