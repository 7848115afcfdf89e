import type { Sql } from 'postgres';

/**
 * The channel stock figures that are due (stock_change_log: a row per ledger change) and what each channel was
 * told last (stock_pushes). A pusher claims SKUs under a lease of its own (stock_push_claims, with its owner
 * token), reads their figures as they are at that moment, pushes, and finishes: the changes it pushed are
 * deleted, and a SKU changed meanwhile stays due and goes again with its newer figure.
 */

export interface DueSku {
  tenantId: string;
  sku: string;
  /** The newest change pushed with this claim: finishing deletes it and the older ones, nothing newer. */
  upto: string;
  /** How many changes this push stands for. */
  changes: number;
}

/**
 * Claims up to `limit` due SKUs for `owner`, for `leaseMs`: those whose changes have settled for `settleMs`,
 * or whose oldest change has waited `maxWaitMs`. A SKU another pusher holds (and whose lease runs) is not taken.
 */
export async function claimDueStock(
  sql: Sql,
  options: { owner: string; limit: number; leaseMs: number; settleMs: number; maxWaitMs: number },
): Promise<DueSku[]> {
  const rows = await sql<{ tenant_id: string; sku: string; upto: string; changes: string }[]>`
    with due as (
      select l.tenant_id, l.sku, max(l.id) as upto, count(*) as changes, min(l.at) as first_at
      from stock_change_log l
      left join stock_push_claims p on p.tenant_id = l.tenant_id and p.sku = l.sku
      where p.claimed_until is null or p.claimed_until < now()
      group by l.tenant_id, l.sku
      -- Settled: the newest change so far is old enough (a row dated in the future is a push owed later: owePush).
      having coalesce(max(l.at) filter (where l.at <= now()), min(l.at)) < now() - ${options.settleMs} * interval '1 millisecond'
          or min(l.at) < now() - ${options.maxWaitMs} * interval '1 millisecond'
      order by min(l.at)
      limit ${options.limit}
    ), claimed as (
      insert into stock_push_claims (tenant_id, sku, owner, claimed_until)
      select tenant_id, sku, ${options.owner}, now() + ${options.leaseMs} * interval '1 millisecond' from due
      on conflict (tenant_id, sku) do update set owner = excluded.owner, claimed_until = excluded.claimed_until
        where stock_push_claims.claimed_until < now()
      returning tenant_id, sku
    )
    select d.tenant_id, d.sku, d.upto, d.changes from due d
    join claimed c on c.tenant_id = d.tenant_id and c.sku = d.sku
    order by d.first_at`;
  return rows.map((r) => ({ tenantId: r.tenant_id, sku: r.sku, upto: r.upto, changes: Number(r.changes) }));
}

/**
 * Extends `owner`'s claims on the SKUs for another `leaseMs` (before each channel's push); answers the SKUs
 * still its own. One whose lease ran out and another pusher took is not pushed by this one any more.
 */
export async function renewDueStock(
  sql: Sql,
  owner: string,
  due: readonly DueSku[],
  leaseMs: number,
): Promise<Set<string>> {
  if (!due.length) return new Set();
  const rows = await sql<{ tenant_id: string; sku: string }[]>`
    update stock_push_claims set claimed_until = now() + ${leaseMs} * interval '1 millisecond'
    where owner = ${owner} and (tenant_id, sku) in (
      select * from unnest(${sql.array(due.map((d) => d.tenantId))}::text[], ${sql.array(due.map((d) => d.sku))}::text[]))
    returning tenant_id, sku`;
  return new Set(rows.map((r) => `${r.tenant_id}\u0000${r.sku}`));
}

/** Done with a claimed SKU: the changes it pushed are gone (newer ones keep it due); the claim is let go. */
export async function finishDueStock(sql: Sql, owner: string, due: DueSku): Promise<void> {
  await sql.begin(async (tx) => {
    const [mine] = await tx`
      delete from stock_push_claims where tenant_id = ${due.tenantId} and sku = ${due.sku} and owner = ${owner}
      returning 1`;
    // A claim lost to another pusher: that one pushes (and deletes) what is due now.
    if (!mine) return;
    await tx`delete from stock_change_log where tenant_id = ${due.tenantId} and sku = ${due.sku} and id <= ${due.upto}`;
  });
}

/**
 * Makes a SKU due again in `inMs` (after its claim is finished): a channel that caps how often a listing may
 * change still owes it a figure, while the other channels have had theirs. A row dated in the future in
 * stock_change_log, which the next push of the SKU deletes with the rest.
 */
export async function owePush(sql: Sql, tenantId: string, sku: string, inMs: number): Promise<void> {
  await sql`insert into stock_change_log (tenant_id, sku, at)
            values (${tenantId}, ${sku}, now() + ${Math.ceil(inMs)} * interval '1 millisecond')`;
}

/** Gives a claimed SKU back (its push failed): due again after `retryInMs`. */
export async function releaseDueStock(
  sql: Sql,
  owner: string,
  due: DueSku,
  retryInMs: number,
): Promise<void> {
  await sql`update stock_push_claims set claimed_until = now() + ${retryInMs} * interval '1 millisecond'
            where tenant_id = ${due.tenantId} and sku = ${due.sku} and owner = ${owner}`;
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

/**
 * The SKUs a connection was last sent a figure for less than `withinMs` ago, with how long ago (ms): for a
 * channel that caps how often a listing may change (ConnectorDefinition.stockPushLimit).
 */
export async function pushedWithin(
  sql: Sql,
  connectionId: string,
  skus: readonly string[],
  withinMs: number,
) {
  const rows = await sql<{ sku: string; ago: number }[]>`
    select sku, min(extract(epoch from now() - pushed_at) * 1000)::float8 as ago from stock_pushes
    where connection_id = ${connectionId} and sku = any(${sql.array([...skus])}::text[])
      and pushed_at > now() - ${withinMs} * interval '1 millisecond'
    group by sku`;
  return new Map(rows.map((r) => [r.sku, Math.max(0, r.ago)]));
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
