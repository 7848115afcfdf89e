import type { Sql } from 'postgres';

/**
 * The queue of channel stock figures that are due (stock_changes) and what each channel was told last
 * (stock_pushes). The pusher (workflows) claims SKUs under a lease, reads their figures as they are at that
 * moment, pushes, and finishes: a SKU changed meanwhile stays due and goes again with its newer figure.
 */

export interface DueSku {
  tenantId: string;
  sku: string;
  /** The change counter when claimed: finishing with it deletes the row only if nothing changed since. */
  change: string;
}

/**
 * Claims up to `limit` due SKUs for `leaseMs`: those whose changes have settled for `settleMs`, or that have
 * waited `maxWaitMs` since their first change. Several hub processes share the queue: a SKU another holds is
 * not taken (a claim row, apart from the rows writers lock).
 */
export async function claimDueStock(
  sql: Sql,
  options: { limit: number; leaseMs: number; settleMs: number; maxWaitMs: number },
): Promise<DueSku[]> {
  const rows = await sql<{ tenant_id: string; sku: string; change: string }[]>`
    with due as (
      select c.tenant_id, c.sku, c.change from stock_changes c
      left join stock_push_claims p on p.tenant_id = c.tenant_id and p.sku = c.sku
      where (p.claimed_until is null or p.claimed_until < now())
        and (c.changed_at < now() - ${options.settleMs} * interval '1 millisecond'
             or c.first_changed_at < now() - ${options.maxWaitMs} * interval '1 millisecond')
      order by c.first_changed_at
      limit ${options.limit}
    ), claimed as (
      insert into stock_push_claims (tenant_id, sku, claimed_until)
      select tenant_id, sku, now() + ${options.leaseMs} * interval '1 millisecond' from due
      on conflict (tenant_id, sku) do update set claimed_until = excluded.claimed_until
        where stock_push_claims.claimed_until < now()
      returning tenant_id, sku
    )
    select d.tenant_id, d.sku, d.change from due d join claimed c on c.tenant_id = d.tenant_id and c.sku = d.sku`;
  return rows.map((r) => ({ tenantId: r.tenant_id, sku: r.sku, change: r.change }));
}

/**
 * Done with a claimed SKU: gone from the queue if nothing changed since the claim; else what was pushed is
 * taken off its count and it is due again. The claim is let go either way.
 */
export async function finishDueStock(sql: Sql, due: DueSku): Promise<void> {
  await sql.begin(async (tx) => {
    const gone = await tx`
      delete from stock_changes where tenant_id = ${due.tenantId} and sku = ${due.sku} and change = ${due.change}`;
    if (!gone.count) {
      await tx`update stock_changes set change = greatest(change - ${due.change}, 1)
               where tenant_id = ${due.tenantId} and sku = ${due.sku}`;
    }
    await tx`delete from stock_push_claims where tenant_id = ${due.tenantId} and sku = ${due.sku}`;
  });
}

/** Gives a claimed SKU back (its push failed): due again after `retryInMs`. */
export async function releaseDueStock(sql: Sql, due: DueSku, retryInMs: number): Promise<void> {
  await sql`update stock_push_claims set claimed_until = now() + ${retryInMs} * interval '1 millisecond'
            where tenant_id = ${due.tenantId} and sku = ${due.sku}`;
}

/** What a SKU may still promise at each of the tenant's locations now, never below zero. */
export async function availableBySku(sql: Sql, tenantId: string, skus: readonly string[]) {
  const rows = await sql<{ sku: string; location_id: string; available: string }[]>`
    select sku, location_id, greatest(on_hand - reserved - safety_stock, 0) as available from stock_levels
    where tenant_id = ${tenantId} and sku = any(${sql.array([...skus])}::text[])`;
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (!out.has(r.sku)) out.set(r.sku, new Map());
    out.get(r.sku)!.set(r.location_id, Number(r.available));
  }
  return out;
}

export interface PushedFigure {
  sku: string;
  /** The channel's location id, '' for a channel with one figure per product. */
  channelLocation: string;
  quantity: number;
  channelItem?: string | undefined;
}

/** What the connection was told last, per (sku, channel location). */
export async function lastPushed(sql: Sql, connectionId: string, skus: readonly string[]) {
  const rows = await sql<{ sku: string; channel_location: string; quantity: string }[]>`
    select sku, channel_location, quantity from stock_pushes
    where connection_id = ${connectionId} and sku = any(${sql.array([...skus])}::text[])`;
  return new Map(rows.map((r) => [`${r.sku}\u0000${r.channel_location}`, Number(r.quantity)]));
}

/** Records figures a connection now shows. */
export async function recordPushed(sql: Sql, connectionId: string, figures: readonly PushedFigure[]) {
  if (!figures.length) return;
  await sql`
    insert into stock_pushes (connection_id, sku, channel_location, quantity, channel_item)
    select ${connectionId}, f.sku, f.channel_location, f.quantity, f.channel_item
    from jsonb_to_recordset(${sql.json(figures.map((f) => ({ sku: f.sku, channel_location: f.channelLocation, quantity: f.quantity, channel_item: f.channelItem ?? null })) as never)})
      as f(sku text, channel_location text, quantity bigint, channel_item text)
    on conflict (connection_id, sku, channel_location) do update
      set quantity = excluded.quantity, channel_item = coalesce(excluded.channel_item, stock_pushes.channel_item),
          pushed_at = now()`;
}

/** The SKU a channel's item id stands for (learned from pushes), for the channel's own stock webhooks. */
export async function skuOfChannelItem(sql: Sql, connectionId: string, channelItem: string) {
  const [row] = await sql<{ sku: string }[]>`
    select sku from stock_pushes where connection_id = ${connectionId} and channel_item = ${channelItem} limit 1`;
  return row?.sku;
}
