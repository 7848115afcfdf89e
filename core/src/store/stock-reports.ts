import type { Sql } from 'postgres';
import { applyMovement } from './stock-ledger.ts';

/**
 * A stock figure a channel reported from its own admin (a Shopify `inventory_levels/update`, a WooCommerce
 * product update), applied by the rule the merchant chose for that location: the channel is its system of
 * record (the figure becomes a count), or the hub is (the figure is overwritten by the next push).
 */

/**
 * The channel is the system of record for the location: its figure is what may be sold there, so the shelf
 * holds that many plus what the hub has reserved for orders not yet shipped; recorded as a count, once per
 * report (`key`). A report older than the balance's last change (`at`) is stale and changes nothing.
 */
export async function countFromChannel(
  sql: Sql,
  input: {
    tenantId: string;
    sku: string;
    locationId: string;
    available: number;
    at?: Date;
    key: string;
    source: string;
  },
): Promise<'counted' | 'stale' | 'again'> {
  return sql.begin(async (tx) => {
    const [level] = await tx<{ reserved: string; safety_stock: string; updated_at: Date }[]>`
      select reserved, safety_stock, updated_at from stock_levels
      where tenant_id = ${input.tenantId} and sku = ${input.sku} and location_id = ${input.locationId} for update`;
    if (level && input.at && input.at < level.updated_at) return 'stale';
    const onHand =
      Math.max(0, input.available) + Number(level?.reserved ?? 0) + Number(level?.safety_stock ?? 0);
    const applied = await applyMovement(tx, {
      tenantId: input.tenantId,
      sku: input.sku,
      locationId: input.locationId,
      kind: 'count',
      quantity: onHand,
      reason: `${input.source} shows ${input.available} available (the channel is this location's system of record)`,
      sourceRef: input.source,
      idempotencyKey: input.key,
    });
    return applied ? 'counted' : 'again';
  }) as Promise<'counted' | 'stale' | 'again'>;
}

/**
 * The hub is the system of record: a figure the channel reports that differs from the one it was told is
 * remembered as what the channel shows, and the SKU is due again, so the next push sets the hub's figure.
 * Answers the figure the channel had been told (undefined when never told).
 */
export async function overruleChannelFigure(
  sql: Sql,
  input: { tenantId: string; connectionId: string; sku: string; channelLocation: string; reported: number },
): Promise<number | undefined> {
  return sql.begin(async (tx) => {
    const [told] = await tx<{ quantity: string }[]>`
      select quantity from stock_pushes
      where connection_id = ${input.connectionId} and sku = ${input.sku} and channel_location = ${input.channelLocation}
      for update`;
    if (!told || Number(told.quantity) === input.reported) return told ? Number(told.quantity) : undefined;
    await tx`
      update stock_pushes set quantity = ${input.reported}
      where connection_id = ${input.connectionId} and sku = ${input.sku} and channel_location = ${input.channelLocation}`;
    await tx`
      insert into stock_changes (tenant_id, sku) values (${input.tenantId}, ${input.sku})
      on conflict (tenant_id, sku) do update set change = stock_changes.change + 1, changed_at = now()`;
    return Number(told.quantity);
  }) as Promise<number | undefined>;
}
