import { createHash } from 'node:crypto';
import {
  type AnyConnector,
  type ConfigIssue,
  type Parcel,
  type QueueSpec,
  type ResolvedConnection,
  type ShipAddress,
  zodMessage,
} from '@switchyard/core';
import { RoutingRules, ShippingRules } from '@switchyard/mappings';
import { z } from 'zod';
import { type ChannelStockPlan, type Location, resolveChannelStock, resolveLocations } from './locations.ts';

/**
 * The fulfillment plan: what a channel connection's `fulfillment` section asks of the hub (who takes the money
 * how, who ships from where), checked against the configured connections, and the queue its orders start on.
 */
/** How an order's money is collected. */
/**
 * `books-invoice`: the order is invoiced in the merchant's books (its channel's `accounting` section posts the
 * invoice), and the workflow waits, after delivery, for the books to show it paid.
 */
export type PaymentPolicy = 'channel' | 'capture-on-ship' | 'invoice' | 'books-invoice';

/** What the workflow needs to know about an order's connection: who pays how, who ships from where. */
export interface FulfillmentPlan {
  payment: PaymentPolicy;
  /** The Stripe connection (capture-on-ship, invoice). */
  paymentsConnection?: string;
  /** The EasyPost connection (a location may name its own). */
  shippingConnection: string;
  /** Where an unrouted order ships from; a routed one ships from its locations. */
  shipFrom?: ShipAddress;
  /** Set when the tenant has locations: orders are routed among them, by these rules. */
  routing?: RoutingPlan;
  /** The channel's stock mapping, when it has one: the channel's id of each location, for fulfillments. */
  stock?: ChannelStockPlan;
  rules: ShippingRules;
  /** Parcel weight when the lines carry none, and the box's size. */
  defaultParcel: Parcel;
  /** Net terms of an invoice. */
  invoiceDays?: number;
  /** How long to wait for tracking before the order becomes an exception (default 30 days). */
  trackingTimeoutMs?: number;
  /** How often an order on hold is looked at again (default 15 minutes). */
  holdRecheckMs?: number;
  /** At most this many of the connection's orders started a second (see FulfillmentConfig). */
  startsPerSecond?: number;
}

const Address = z
  .object({
    name: z.string().optional(),
    company: z.string().optional(),
    street1: z.string().min(1),
    street2: z.string().optional(),
    city: z.string().min(1),
    state: z.string().optional(),
    zip: z.string().min(1),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US'),
    phone: z.string().optional(),
    email: z.string().optional(),
  })
  .strict();

/** How a channel's orders are routed among the tenant's locations, and how long a backorder is waited for. */
export interface RoutingPlan {
  rules: z.output<typeof RoutingRules>;
  locations: Location[];
  /** How often a backordered order is routed again (default 1 hour). */
  recheckMs: number;
  /** How long before a backorder becomes an exception (default 14 days). */
  giveUpMs: number;
}

const RoutingSection = RoutingRules.extend({
  /** Minutes between attempts to route what is backordered (default 60). */
  recheckMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** Days a backorder is waited for before the order becomes an exception (default 14). */
  backorderDays: z.number().int().min(1).max(120).optional(),
});

/** A channel connection's `fulfillment` section. */
export const FulfillmentConfig = z
  .object({
    payment: z.enum(['channel', 'capture-on-ship', 'invoice', 'books-invoice']),
    /** The payments connection (Stripe) for capture-on-ship and invoice. */
    payments: z.string().optional(),
    /** The shipping connection (EasyPost). */
    shipping: z.string(),
    /** Required unless the tenant has locations (orders are then routed and ship from them). */
    shipFrom: Address.optional(),
    routing: RoutingSection.optional(),
    shippingRules: ShippingRules,
    parcel: z
      .object({
        weightGrams: z.number().int().positive(),
        lengthMm: z.number().int().positive().optional(),
        widthMm: z.number().int().positive().optional(),
        heightMm: z.number().int().positive().optional(),
      })
      .strict(),
    invoiceDays: z.number().int().min(0).max(180).optional(),
    trackingTimeoutDays: z.number().int().min(1).max(120).optional(),
    /**
     * The connection's orders are started on a queue of their own, which any hub process with the engine
     * takes them from; at most `startsPerSecond` of them start a second when set, so that a burst (a backfill,
     * a sale) reaches the payment and shipping vendors at a pace they accept instead of as a flood of 429s.
     * (No bound on how many run at once: an order's workflow lives until delivery, days.)
     */
    startsPerSecond: z.number().positive().max(1_000).optional(),
  })
  .strict();

/**
 * The queue a connection's order workflows are started on: readable, and distinct for every connection id
 * (a short hash of the id, since ids that differ only in `_` and `-` read alike).
 */
export const orderQueueName = (connectionId: string) => {
  const readable =
    connectionId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'x';
  return `orders-${readable}-${createHash('sha256').update(connectionId).digest('hex').slice(0, 8)}`;
};

/** A rate as the engine's queues take it: whole starts per second, or one start per 1/rate seconds below 1. */
function startsLimit(perSecond: number) {
  return perSecond >= 1
    ? { limit: Math.round(perSecond), periodMs: 1000 }
    : { limit: 1, periodMs: Math.round(1000 / perSecond) };
}

/** One queue per managed connection, with the limits its fulfillment section sets. */
export function orderQueues(plans: ReadonlyMap<string, FulfillmentPlan>): QueueSpec[] {
  return [...plans].map(([id, plan]) => ({
    name: orderQueueName(id),
    ...(plan.startsPerSecond ? { rateLimit: startsLimit(plan.startsPerSecond) } : {}),
  }));
}

/**
 * The fulfillment plans of the configured connections, by connection id, with every problem found: the
 * section's shape, and connections it names that are missing or cannot do what they are asked.
 */
export function resolvePlans(
  connections: readonly ResolvedConnection[],
  connectors: ReadonlyMap<string, AnyConnector>,
  /** The config's top-level `locations`, as written. */
  rawLocations: readonly unknown[] = [],
): {
  plans: Map<string, FulfillmentPlan>;
  issues: ConfigIssue[];
  locations: Map<string, Location[]>;
  stock: Map<string, ChannelStockPlan>;
} {
  const plans = new Map<string, FulfillmentPlan>();
  const located = resolveLocations(rawLocations, connections, connectors);
  const stocked = resolveChannelStock(connections, connectors, located.byTenant);
  const issues: ConfigIssue[] = [...located.issues, ...stocked.issues];
  const byId = new Map(connections.map((c) => [c.id, c]));
  connections.forEach((c, i) => {
    if (!c.fulfillment) return;
    const at = `connections[${i}](id "${c.id}").fulfillment`;
    const parsed = FulfillmentConfig.safeParse(c.fulfillment);
    if (!parsed.success) {
      issues.push({
        path: at,
        problem: zodMessage(parsed.error),
        fix: 'correct the fulfillment section as described',
      });
      return;
    }
    const f = parsed.data;
    const needs = (
      id: string | undefined,
      capability: 'payment.capture' | 'shipment.label',
      role: string,
    ) => {
      const target = id ? byId.get(id) : undefined;
      if (!target) {
        issues.push({
          path: `${at}.${role}`,
          problem: id ? `no connection "${id}"` : `payment "${f.payment}" needs a ${role} connection`,
          fix: `name a configured connection whose connector can do ${capability}`,
        });
        return false;
      }
      if (target.tenantId !== c.tenantId) {
        issues.push({
          path: `${at}.${role}`,
          problem: `connection "${id}" belongs to another tenant`,
          fix: 'use a connection of the same tenant',
        });
        return false;
      }
      if (!connectors.get(target.connector)?.capabilities.includes(capability)) {
        issues.push({
          path: `${at}.${role}`,
          problem: `connection "${id}" (${target.connector}) cannot do ${capability}`,
          fix: `name a connection whose connector can do ${capability}`,
        });
        return false;
      }
      return true;
    };
    const shippingOk = needs(f.shipping, 'shipment.label', 'shipping');
    const booksOk = () => {
      if (c.accounting) return true;
      issues.push({
        path: `${at}.payment`,
        problem: 'payment "books-invoice" needs the connection to post its orders to the books',
        fix: 'add an accounting section to this connection, or choose another payment policy',
      });
      return false;
    };
    const paymentsOk =
      f.payment === 'channel' ||
      (f.payment === 'books-invoice' ? booksOk() : needs(f.payments, 'payment.capture', 'payments'));
    const can = connectors.get(c.connector)?.capabilities ?? [];
    // A partner connection (edi.inbound) is answered with documents instead of a fulfillment push.
    if (!can.includes('fulfillment.push') && !can.includes('edi.inbound')) {
      issues.push({
        path: at,
        problem: `connection "${c.id}" (${c.connector}) cannot take fulfillments back`,
        fix: 'remove fulfillment from this connection',
      });
      return;
    }
    if (!shippingOk || !paymentsOk) return;
    const locations = located.byTenant.get(c.tenantId) ?? [];
    if (!locations.length && !f.shipFrom) {
      issues.push({
        path: `${at}.shipFrom`,
        problem: `tenant "${c.tenantId}" has no locations, so the orders need an address to ship from`,
        fix: 'give fulfillment.shipFrom, or declare the tenant’s locations (top-level locations)',
      });
      return;
    }
    const { recheckMinutes, backorderDays, ...rules } = f.routing ?? RoutingSection.parse({});
    const stock = stocked.channels.get(c.id);
    plans.set(c.id, {
      payment: f.payment,
      ...(f.payments ? { paymentsConnection: f.payments } : {}),
      shippingConnection: f.shipping,
      ...(f.shipFrom ? { shipFrom: f.shipFrom } : {}),
      ...(locations.length
        ? {
            routing: {
              rules,
              locations,
              recheckMs: (recheckMinutes ?? 60) * 60_000,
              // A card authorization lasts about 7 days: a capture-on-ship backorder gives up before it lapses.
              giveUpMs: Math.min(
                (backorderDays ?? 14) * 86_400_000,
                f.payment === 'capture-on-ship' ? 6 * 86_400_000 : Number.POSITIVE_INFINITY,
              ),
            },
          }
        : {}),
      ...(stock ? { stock } : {}),
      rules: f.shippingRules,
      defaultParcel: f.parcel,
      ...(f.invoiceDays !== undefined ? { invoiceDays: f.invoiceDays } : {}),
      ...(f.trackingTimeoutDays !== undefined
        ? { trackingTimeoutMs: f.trackingTimeoutDays * 86_400_000 }
        : {}),
      ...(f.startsPerSecond !== undefined ? { startsPerSecond: f.startsPerSecond } : {}),
    });
  });
  return { plans, issues, locations: located.byTenant, stock: stocked.channels };
}
