import { connectionContext, describeError, HubError, recordAudit } from '@switchyard/core';
import { type OperatorContext, requireRole, tenantConnection } from './context.ts';

export interface SubscriptionSync {
  url: string;
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Makes the vendor's webhook subscriptions of a connection point at this hub (`<base>/webhooks/<id>`), creating
 * what is missing and repointing what points elsewhere; records the outcome for the connection's health, failed
 * or not, and audits it. `base` defaults to server.publicUrl.
 */
export async function syncWebhookSubscriptions(
  ctx: OperatorContext,
  connectionId: string,
  options: { base?: string } = {},
): Promise<SubscriptionSync> {
  requireRole(ctx, 'operator', "repairing a connection's webhook subscriptions");
  const connection = tenantConnection(ctx, connectionId);
  const subscribe = connection.connector.webhook?.subscribe;
  if (!subscribe) {
    throw new HubError({
      type: 'no-subscriptions',
      title: 'The hub cannot manage these webhooks',
      status: 409,
      detail: `connector ${connection.connector.id} cannot manage its webhook subscriptions`,
      fix: `point the vendor's webhooks at <server.publicUrl>/webhooks/${connectionId} in its admin`,
    });
  }
  const base = (options.base ?? ctx.hub.config.server.publicUrl)?.replace(/\/+$/, '');
  if (!base || !/^https?:\/\//.test(base)) {
    throw new HubError({
      type: 'no-public-url',
      title: 'Where the vendor reaches the hub is not known',
      status: 409,
      detail: 'server.publicUrl is not set, and no URL was given',
      fix: 'set server.publicUrl in switchyard.config.ts (https://hub.example.com), or pass the URL',
    });
  }
  const url = `${base}/webhooks/${connectionId}`;
  const sql = ctx.hub.sql;
  const record = (ok: boolean, result: object, error: string | null) => sql`
    insert into webhook_subscriptions (connection_id, url, synced_at, ok, result, error)
    values (${connectionId}, ${url}, now(), ${ok}, ${sql.json(result as never)}, ${error})
    on conflict (connection_id) do update set url = excluded.url, synced_at = excluded.synced_at, ok = excluded.ok,
      result = excluded.result, error = excluded.error`;
  let result: { created: string[]; updated: string[]; unchanged: string[] };
  try {
    result = await subscribe(connectionContext(connection), { url, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const message = describeError(error);
    await record(false, {}, message);
    await recordAudit(sql, ctx.by, {
      action: 'connection.sync-webhooks',
      targetType: 'connection',
      targetId: connectionId,
      after: { url, ok: false, error: message },
      requestId: ctx.requestId,
    });
    throw new HubError(
      {
        type: 'subscriptions-failed',
        title: 'The vendor refused the subscription change',
        status: 502,
        detail: `repairing ${connectionId}'s webhook subscriptions failed: ${message}`,
        fix: "check the connection's credentials and scopes, then try again",
      },
      { cause: error },
    );
  }
  await record(true, result, null);
  await recordAudit(sql, ctx.by, {
    action: 'connection.sync-webhooks',
    targetType: 'connection',
    targetId: connectionId,
    after: { url, ok: true, ...result },
    requestId: ctx.requestId,
  });
  return { url, ...result };
}
