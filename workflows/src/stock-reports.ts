import {
  countFromChannel,
  describeError,
  handOverInboxEvents,
  type Loop,
  overruleChannelFigure,
  type SignalHandover,
  type StockReport,
  type StoredEvent,
  skuOfChannelItem,
  startLoop,
} from '@switchyard/core';
import type { ChannelStockPlan } from './locations.ts';
import type { StockPusherOptions } from './stock-pusher.ts';

/** What the stock loops (the pusher, the reports) work with: the store, the connections, their stock sections. */
export type StockReportOptions = Pick<
  StockPusherOptions,
  'sql' | 'connections' | 'channels' | 'log' | 'everyMs'
> & {
  /** How long a report waits before it is applied (default 30 s): the channel's own orders reach the hub first. */
  settleMs?: number;
};

const BATCH = 100;

/**
 * Applies the stock figures channels report from their own admin (their stock webhooks, stored in the inbox
 * like everything else and normalized as `ignored`): where the merchant made the channel the system of record
 * for the one location behind a figure, the figure becomes a count in the ledger; otherwise the hub's figure
 * stands, the difference is logged, and the next push overwrites the channel's. Each stored report is applied
 * once (marked like a handed-over signal), `settleMs` after it came; one older than the last applied for the
 * same figure, or that only echoes the figure the hub sent, changes nothing.
 */
export function startStockReports(options: StockReportOptions): Loop {
  const ids = [...options.channels.keys()].filter(
    (id) => options.connections.get(id)?.connector.stockReports,
  );
  return startLoop({
    everyMs: options.everyMs ?? 1000,
    async turn() {
      const n = await handOverInboxEvents(options.sql, ids, BATCH, (event) => apply(options, event));
      return n === BATCH ? 'again' : undefined;
    },
    onError: (error) =>
      options.log.error('applying stock reported by channels failed; trying again shortly', {
        error: describeError(error),
      }),
  });
}

async function apply(options: StockReportOptions, event: StoredEvent): Promise<SignalHandover> {
  // A sale on the channel lowers its figure at once, and the order reaches the hub a moment later; applied after
  // the order's reservation, the count is right (applied before, it would count the sold units twice).
  const waitMs = options.settleMs ?? 30_000;
  const age = Date.now() - event.receivedAt.getTime();
  if (age < waitMs) return { retryInSeconds: Math.max(1, Math.ceil((waitMs - age) / 1000)) };
  const connection = options.connections.get(event.connectionId)!;
  const plan = options.channels.get(event.connectionId)!;
  const reports = connection.connector.stockReports!({
    headers: event.headers,
    body: event.body,
    contentType: event.contentType,
    receivedAt: event.receivedAt,
  });
  for (const [i, report] of (reports ?? []).entries()) {
    await applyOne(options, plan, report, `stock-report:${event.id}:${i}`, event);
  }
  return 'handed-over';
}

/** A location id as channels write it in config or send it: Shopify's gid or its number, compared by the number. */
const plainId = (id: string | undefined) => (id ?? '').split('/').pop() ?? '';

async function applyOne(
  options: StockReportOptions,
  plan: ChannelStockPlan,
  report: StockReport,
  key: string,
  event: StoredEvent,
) {
  const entry = plan.locations.find((l) => plainId(l.channelLocation) === plainId(report.location));
  const sku =
    report.sku ??
    (report.channelItem
      ? await skuOfChannelItem(options.sql, plan.connectionId, report.channelItem)
      : undefined);
  const where = { connection: plan.connectionId, inbox: event.id, location: report.location ?? '' };
  if (!entry || !sku) {
    // Not a figure the hub keeps (a location or an item it does not map, or never pushed): nothing to do.
    options.log.info('a stock report for an item or location the hub does not map was skipped', {
      ...where,
      item: report.sku ?? report.channelItem ?? '',
    });
    return;
  }
  const at = report.at ? new Date(report.at) : undefined;
  const ref = {
    tenantId: plan.tenantId,
    connectionId: plan.connectionId,
    sku,
    // As the pusher records it: the mapping's own spelling of the location.
    channelLocation: entry.channelLocation ?? '',
    ...(at && !Number.isNaN(at.getTime()) ? { at } : {}),
  };
  const only = entry.from.length === 1 ? entry.from[0]! : undefined;
  if (only && plan.systemOfRecord?.includes(only)) {
    const outcome = await countFromChannel(options.sql, {
      ...ref,
      locationId: only,
      available: report.available,
      key,
      source: `${plan.connectionId} (inbox ${event.id})`,
    });
    if (outcome === 'stale')
      options.log.info('a stock report older than the last one applied was dropped', { ...where, sku });
    return;
  }
  const told = await overruleChannelFigure(options.sql, { ...ref, reported: report.available });
  if (typeof told === 'number') {
    options.log.warn('a stock figure changed in the channel’s admin will be overwritten by the hub’s', {
      ...where,
      sku,
      told,
      found: report.available,
    });
  }
}
