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
>;

const BATCH = 100;

/**
 * Applies the stock figures channels report from their own admin (their stock webhooks, stored in the inbox
 * like everything else and normalized as `ignored`): where the merchant made the channel the system of record
 * for the one location behind a figure, the figure becomes a count in the ledger; otherwise the hub's figure
 * stands, the difference is logged, and the next push overwrites the channel's. Each stored report is applied
 * once (marked like a handed-over signal), in the order received; a report older than the balance's last
 * change is dropped.
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

async function applyOne(
  options: StockReportOptions,
  plan: ChannelStockPlan,
  report: StockReport,
  key: string,
  event: StoredEvent,
) {
  const channelLocation = report.location ?? '';
  const entry = plan.locations.find((l) => (l.channelLocation ?? '') === channelLocation);
  const sku =
    report.sku ??
    (report.channelItem
      ? await skuOfChannelItem(options.sql, plan.connectionId, report.channelItem)
      : undefined);
  const where = { connection: plan.connectionId, inbox: event.id, location: channelLocation };
  if (!entry || !sku) {
    // Not a figure the hub keeps (a location or an item it does not map): nothing to do.
    options.log.info('a stock report for an item or location the hub does not map was skipped', {
      ...where,
      item: report.sku ?? report.channelItem ?? '',
    });
    return;
  }
  const only = entry.from.length === 1 ? entry.from[0]! : undefined;
  if (only && plan.systemOfRecord?.includes(only)) {
    const at = report.at ? new Date(report.at) : undefined;
    const outcome = await countFromChannel(options.sql, {
      tenantId: plan.tenantId,
      sku,
      locationId: only,
      available: report.available,
      ...(at && !Number.isNaN(at.getTime()) ? { at } : {}),
      key,
      source: `${plan.connectionId} (inbox ${event.id})`,
    });
    if (outcome === 'stale')
      options.log.info('an older stock report than the ledger was dropped', { ...where, sku });
    return;
  }
  const told = await overruleChannelFigure(options.sql, {
    tenantId: plan.tenantId,
    connectionId: plan.connectionId,
    sku,
    channelLocation,
    reported: report.available,
  });
  if (told !== undefined && told !== report.available) {
    options.log.warn('a stock figure changed in the channel’s admin will be overwritten by the hub’s', {
      ...where,
      sku,
      told,
      found: report.available,
    });
  }
}
