import type { AnyConnector, ConfigIssue, ResolvedConnection } from '@switchyard/core';
import { zodMessage } from '@switchyard/core';
import { ChannelStock, StockLocation } from '@switchyard/mappings';
import type { z } from 'zod';

/**
 * The config's `locations` and the channels' `stock` sections, checked against the configured connections
 * and resolved per tenant and per connection: what routing and the stock pusher read.
 */

export type Location = z.output<typeof StockLocation>;
export type ChannelStockPlan = z.output<typeof ChannelStock> & { connectionId: string; tenantId: string };

export function resolveLocations(
  raw: readonly unknown[],
  connections: readonly ResolvedConnection[],
  connectors: ReadonlyMap<string, AnyConnector>,
): { byTenant: Map<string, Location[]>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const byTenant = new Map<string, Location[]>();
  const byId = new Map(connections.map((c) => [c.id, c]));
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const id = (entry as { id?: unknown } | null)?.id;
    const at = `locations[${i}]${typeof id === 'string' ? `(id "${id}")` : ''}`;
    const parsed = StockLocation.safeParse(entry);
    if (!parsed.success) {
      issues.push({ path: at, problem: zodMessage(parsed.error), fix: 'correct the location as described' });
      return;
    }
    const location = parsed.data;
    const key = `${location.tenant}\u0000${location.id}`;
    if (seen.has(key)) {
      issues.push({
        path: `${at}.id`,
        problem: `tenant "${location.tenant}" has two locations "${location.id}"`,
        fix: 'give each location of a tenant its own id',
      });
      return;
    }
    seen.add(key);
    const shipping = location.shipping ? byId.get(location.shipping) : undefined;
    if (location.shipping && (!shipping || shipping.tenantId !== location.tenant)) {
      issues.push({
        path: `${at}.shipping`,
        problem: `no connection "${location.shipping}" of tenant "${location.tenant}"`,
        fix: 'name a shipping connection (EasyPost) of the same tenant, or leave shipping out to use the channel’s',
      });
      return;
    }
    if (shipping && !connectors.get(shipping.connector)?.capabilities.includes('shipment.label')) {
      issues.push({
        path: `${at}.shipping`,
        problem: `connection "${shipping.id}" (${shipping.connector}) cannot buy labels`,
        fix: 'name a connection whose connector can do shipment.label',
      });
      return;
    }
    for (const channel of location.channels ?? []) {
      if (byId.get(channel)?.tenantId !== location.tenant) {
        issues.push({
          path: `${at}.channels`,
          problem: `no channel connection "${channel}" of tenant "${location.tenant}"`,
          fix: "list the tenant's channel connection ids, or leave channels out to serve them all",
        });
      }
    }
    byTenant.set(location.tenant, [...(byTenant.get(location.tenant) ?? []), location]);
  });
  return { byTenant, issues };
}

/** The channels' `stock` sections, by connection id, with every problem found. */
export function resolveChannelStock(
  connections: readonly ResolvedConnection[],
  connectors: ReadonlyMap<string, AnyConnector>,
  locations: ReadonlyMap<string, Location[]>,
): { channels: Map<string, ChannelStockPlan>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const channels = new Map<string, ChannelStockPlan>();
  connections.forEach((c, i) => {
    if (!c.stock) return;
    const at = `connections[${i}](id "${c.id}").stock`;
    if (!connectors.get(c.connector)?.capabilities.includes('inventory.push')) {
      issues.push({
        path: at,
        problem: `connection "${c.id}" (${c.connector}) cannot take stock figures`,
        fix: 'remove stock from this connection, or use a connector with inventory.push',
      });
      return;
    }
    const parsed = ChannelStock.safeParse(c.stock);
    if (!parsed.success) {
      issues.push({
        path: at,
        problem: zodMessage(parsed.error),
        fix: 'correct the stock section as described',
      });
      return;
    }
    const { buffer, systemOfRecord } = parsed.data;
    if (
      systemOfRecord?.length &&
      buffer &&
      ((buffer.percent ?? 100) !== 100 || (buffer.holdBack ?? 0) !== 0)
    ) {
      issues.push({
        path: `${at}.buffer`,
        problem: `the channel is the system of record for ${systemOfRecord.join(', ')}, and shows a buffered figure: its own stock reports would come back short by the buffer and be counted as lost stock`,
        fix: 'remove the buffer, or systemOfRecord',
      });
      return;
    }
    const known = new Set((locations.get(c.tenantId) ?? []).map((l) => l.id));
    const unknown = [
      ...parsed.data.locations.flatMap((l) => l.from),
      ...(parsed.data.systemOfRecord ?? []),
    ].filter((id) => !known.has(id));
    if (unknown.length) {
      issues.push({
        path: at,
        problem: `no location ${[...new Set(unknown)].map((id) => `"${id}"`).join(', ')} of tenant "${c.tenantId}"`,
        fix: "name the tenant's locations (top-level locations)",
      });
      return;
    }
    channels.set(c.id, { ...parsed.data, connectionId: c.id, tenantId: c.tenantId });
  });
  return { channels, issues };
}

/** The channel's own id of the location a hub location's shipments leave from, by its stock mapping. */
export function channelLocationOf(
  stock: ChannelStockPlan | undefined,
  locationId: string,
): string | undefined {
  return stock?.locations.find((l) => l.channelLocation && l.from.includes(locationId))?.channelLocation;
}
