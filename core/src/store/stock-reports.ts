import type { Sql } from 'postgres';
import { applyMovement, markChanged } from './stock-ledger.ts';

/**
 * A stock figure a channel reported from its own admin (a Shopify `inventory_levels/update`, a WooCommerce
 * product update), applied by the rule the merchant chose for that location: the channel is its system of
 * record (the figure becomes a count), or the hub is (the figure is overwritten by the next push). Either way a
 * report older than the last one applied for the same figure is stale, and one that only echoes the figure the
 * hub sent (the channel tells of the hub's own push) changes nothing.
 */

interface FigureRef {
  tenantId: string;
  connectionId: string;
  sku: string;
  channelLocation: string;
}

/**
 * Locks what the channel was told of the figure, and says whether the report is news: not older than the last
 * report applied, not the figure the hub sent. A news report's time is kept as the last one applied.
 */
async function news(tx: Sql, ref: FigureRef, reported: number, at: Date | undefined) {
  const [first] = await tx`
    insert into stock_pushes (connection_id, sku, channel_location, quantity, reported_at)
    values (${ref.connectionId}, ${ref.sku}, ${ref.channelLocation}, ${reported}, ${at ?? null})
    on conflict do nothing
    returning 1`;
  if (first) return { news: true, told: undefined };
  const [told] = await tx<{ quantity: string; reported_at: Date | null }[]>`
    select quantity, reported_at from stock_pushes
    where connection_id = ${ref.connectionId} and sku = ${ref.sku} and channel_location = ${ref.channelLocation}
    for update`;
  if (at && told!.reported_at && at < told!.reported_at)
    return { news: false, stale: true, told: Number(told!.quantity) };
  if (at) {
    await tx`update stock_pushes set reported_at = ${at}
             where connection_id = ${ref.connectionId} and sku = ${ref.sku} and channel_location = ${ref.channelLocation}`;
  }
  return { news: Number(told!.quantity) !== reported, told: Number(told!.quantity) };
}

/**
 * The channel is the system of record for the location: its figure is what may be sold there, so the shelf
 * holds that many plus what the hub has reserved for orders not yet shipped and its safety stock; recorded as a
 * count, once per report (`key`), and remembered as the figure the channel shows.
 */
export async function countFromChannel(
  sql: Sql,
  input: FigureRef & { locationId: string; available: number; at?: Date; key: string; source: string },
): Promise<'counted' | 'stale' | 'echo' | 'again'> {
  return sql.begin(async (tx) => {
    const seen = await news(tx as unknown as Sql, input, input.available, input.at);
    if (seen.stale) return 'stale';
    if (!seen.news) return 'echo';
    const [level] = await tx<{ reserved: string; safety_stock: string }[]>`
      select reserved, safety_stock from stock_levels
      where tenant_id = ${input.tenantId} and sku = ${input.sku} and location_id = ${input.locationId} for update`;
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
    await tx`update stock_pushes set quantity = ${input.available}
             where connection_id = ${input.connectionId} and sku = ${input.sku} and channel_location = ${input.channelLocation}`;
    return applied ? 'counted' : 'again';
  }) as Promise<'counted' | 'stale' | 'echo' | 'again'>;
}

/**
 * The hub is the system of record: a figure the channel reports that differs from the one it was told is
 * remembered as what the channel shows, and the SKU is due again, so the next push sets the hub's figure.
 * Answers what the channel had been told, or 'stale' / 'echo' for a report that changes nothing.
 */
export async function overruleChannelFigure(
  sql: Sql,
  input: FigureRef & { reported: number; at?: Date },
): Promise<number | 'stale' | 'echo' | undefined> {
  return sql.begin(async (tx) => {
    const seen = await news(tx as unknown as Sql, input, input.reported, input.at);
    if (seen.stale) return 'stale';
    if (!seen.news) return 'echo';
    await tx`update stock_pushes set quantity = ${input.reported}
             where connection_id = ${input.connectionId} and sku = ${input.sku} and channel_location = ${input.channelLocation}`;
    await markChanged(tx, input.tenantId, [input.sku]);
    return seen.told;
  }) as Promise<number | 'stale' | 'echo' | undefined>;
}
