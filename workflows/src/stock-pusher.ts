import { createHash, randomUUID } from 'node:crypto';
import {
  type AnyConnector,
  availableBySku,
  type Connection,
  claimDueStock,
  connectionContext,
  type DueSku,
  describeError,
  finishDueStock,
  type Loop,
  lastPushed,
  owePush,
  type PushedFigure,
  pushedWithin,
  recordPushed,
  releaseDueStock,
  renewDueStock,
  type Sql,
  type StockFigure,
  startLoop,
} from '@switchyard/core';
import { shownQuantity } from '@switchyard/mappings';
import type { ChannelStockPlan } from './locations.ts';

export interface StockPusherOptions {
  sql: Sql;
  connections: ReadonlyMap<string, Connection>;
  /** The channels' stock sections, by connection id. */
  channels: ReadonlyMap<string, ChannelStockPlan>;
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
  };
  /** Between turns when nothing is due (default 500 ms). */
  everyMs?: number;
  /** A SKU goes out once its changes have settled this long (default 200 ms)… */
  settleMs?: number;
  /** …or once it has waited this long since its first change, whatever comes (default 2 s). */
  maxWaitMs?: number;
  /** Told of every push: how many figures went to which connection, and how many changes they stood for. */
  onPush?(report: {
    connectionId: string;
    figures: number;
    changes: number;
    /** `refused`: figures the channel answered but would not take (counted apart from the others of the call). */
    outcome: 'ok' | 'failed' | 'refused';
  }): void;
}

/** SKUs taken per turn; the lease covers the turn's pushes (each under the HTTP client's own timeouts). */
const BATCH = 100;
const LEASE_MS = 120_000;

/** The figures a channel should show for `skus`, from what each may promise per location, by its mapping. */
export function figuresFor(
  plan: ChannelStockPlan,
  skus: readonly string[],
  available: ReadonlyMap<string, ReadonlyMap<string, number>>,
): StockFigure[] {
  return skus.flatMap((sku) =>
    plan.locations.map((entry) => {
      const sum = entry.from.reduce((n, id) => n + (available.get(sku)?.get(id) ?? 0), 0);
      return {
        sku,
        ...(entry.channelLocation ? { location: entry.channelLocation } : {}),
        quantity: shownQuantity(sum, plan.buffer),
      };
    }),
  );
}

/**
 * Keeps every channel's stock figures true: after any change of what a SKU may promise (a reservation, a
 * shipment, a count), each channel of the tenant with a `stock` section is sent the SKU's new figure, by its
 * location mapping and buffer. Changes are coalesced per SKU (a burst of a thousand is one push), a figure the
 * channel was already told is not sent again, and one pusher holds a SKU at a time, reading its figure when it
 * pushes, so an older figure never overwrites a newer one. A figure the channel changed in its own admin is
 * overwritten and the difference logged.
 */
export function startStockPusher(options: StockPusherOptions): Loop {
  const { sql, channels } = options;
  // This pusher's name on its claims: a claim it lost (its lease ran out, another took the SKU) is not its own.
  const owner = randomUUID();
  const byTenant = new Map<string, ChannelStockPlan[]>();
  for (const plan of channels.values())
    byTenant.set(plan.tenantId, [...(byTenant.get(plan.tenantId) ?? []), plan]);
  return startLoop({
    everyMs: options.everyMs ?? 500,
    async turn(signal) {
      const due = await claimDueStock(sql, {
        owner,
        limit: BATCH,
        leaseMs: LEASE_MS,
        settleMs: options.settleMs ?? 200,
        maxWaitMs: options.maxWaitMs ?? 2000,
      });
      const tenants = new Map<string, DueSku[]>();
      for (const d of due) tenants.set(d.tenantId, [...(tenants.get(d.tenantId) ?? []), d]);
      for (const [tenantId, skus] of tenants) {
        // SKUs a channel refused (all go again in 30 s), and those a capped channel takes later (in ms).
        const failed = new Set<string>();
        const owed = new Map<string, number>();
        const available = await availableBySku(
          sql,
          tenantId,
          skus.map((d) => d.sku),
        );
        for (const plan of byTenant.get(tenantId) ?? []) {
          // Still ours? A SKU whose lease ran out while an earlier channel took its time is left to its new holder.
          const mine = await renewDueStock(sql, owner, skus, LEASE_MS);
          const held = skus.filter((d) => mine.has(`${d.tenantId}\u0000${d.sku}`));
          const result = await pushTo(options, plan, held, available, signal);
          for (const sku of result.failed) failed.add(sku);
          for (const [sku, ms] of result.owed) owed.set(sku, Math.min(owed.get(sku) ?? ms, ms));
        }
        for (const d of skus) {
          if (failed.has(d.sku)) {
            await releaseDueStock(sql, owner, d, 30_000);
            continue;
          }
          // The other channels have their figures now; the capped one's comes with the SKU's next turn.
          await finishDueStock(sql, owner, d);
          const inMs = owed.get(d.sku);
          if (inMs !== undefined) await owePush(sql, d.tenantId, d.sku, inMs);
        }
      }
      return due.length === BATCH ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('pushing stock figures failed; trying again shortly', {
        error: describeError(error),
      }),
  });
}

/**
 * One channel's figures for the due SKUs: those it was not told yet, in one call. Answers the SKUs whose call
 * failed, and for a channel that caps how often a listing may change (eBay's 250 a day) those pushed too
 * recently, with how long until their turn: whatever changes meanwhile goes out with them then.
 */
async function pushTo(
  options: StockPusherOptions,
  plan: ChannelStockPlan,
  due: readonly DueSku[],
  available: ReadonlyMap<string, ReadonlyMap<string, number>>,
  signal: AbortSignal,
): Promise<{ failed: string[]; owed: Map<string, number> }> {
  const owed = new Map<string, number>();
  const none = { failed: [], owed };
  const connection = options.connections.get(plan.connectionId);
  const connector = connection?.connector as AnyConnector | undefined;
  const pushStock = connector?.actions?.pushStock;
  if (!connection || !pushStock) return none;
  const all = due.map((d) => d.sku);
  const told = await lastPushed(options.sql, plan.connectionId, all);
  let figures = figuresFor(plan, all, available).filter(
    (f) => told.get(`${f.sku}\u0000${f.location ?? ''}`) !== f.quantity,
  );
  const perDay = connector.stockPushLimit?.perSkuPerDay;
  if (perDay && figures.length) {
    const spacing = Math.ceil(86_400_000 / perDay);
    const recent = await pushedWithin(
      options.sql,
      plan.connectionId,
      [...new Set(figures.map((f) => f.sku))],
      spacing,
    );
    for (const [sku, ago] of recent) owed.set(sku, Math.max(1, spacing - ago));
    figures = figures.filter((f) => !recent.has(f.sku));
  }
  if (!figures.length) return none;
  const skus = [...new Set(figures.map((f) => f.sku))];
  // The figures and the newest change behind each (a log id, never reused): a new state is always a new key, and
  // only the same push repeated (a retry after a lost answer) meets the vendor's record of it.
  const key = `stock:${plan.connectionId}:${createHash('sha256')
    .update(JSON.stringify([figures, due.map((d) => [d.sku, d.upto])]))
    .digest('base64url')
    .slice(0, 32)}`;
  const changes = due.reduce((n, d) => n + (skus.includes(d.sku) ? d.changes : 0), 0);
  try {
    const results = await pushStock(
      { ...connectionContext(connection), idempotencyKey: key, signal },
      { figures },
    );
    const pushed: PushedFigure[] = [];
    let refused = 0;
    results.forEach((r, i) => {
      const figure = figures[i]!;
      if (r.status === 'refused') {
        options.log.warn('the channel refused a stock figure; it goes again with the SKU’s next change', {
          connection: plan.connectionId,
          sku: figure.sku,
          location: figure.location ?? '',
          quantity: figure.quantity,
          reason: r.reason ?? 'no reason given',
        });
        refused++;
        return;
      }
      if (r.status !== 'set') return;
      const before = told.get(`${figure.sku}\u0000${figure.location ?? ''}`);
      if (before !== undefined && r.previous !== undefined && r.previous !== before) {
        options.log.warn('a stock figure changed on the channel was overwritten with the hub’s', {
          connection: plan.connectionId,
          sku: figure.sku,
          location: figure.location ?? '',
          told: before,
          found: r.previous,
          set: figure.quantity,
        });
      }
      pushed.push({
        sku: figure.sku,
        channelLocation: figure.location ?? '',
        quantity: figure.quantity,
        channelItem: r.channelItem,
      });
    });
    await recordPushed(options.sql, plan.connectionId, pushed);
    options.onPush?.({
      connectionId: plan.connectionId,
      figures: figures.length - refused,
      changes,
      outcome: 'ok',
    });
    if (refused) {
      options.onPush?.({ connectionId: plan.connectionId, figures: refused, changes: 0, outcome: 'refused' });
    }
    return none;
  } catch (error) {
    options.onPush?.({
      connectionId: plan.connectionId,
      figures: figures.length,
      changes,
      outcome: 'failed',
    });
    options.log.warn('stock figures not taken by the channel; they go again in 30 s', {
      connection: plan.connectionId,
      skus: skus.length,
      error: describeError(error),
    });
    return { failed: skus, owed };
  }
}
