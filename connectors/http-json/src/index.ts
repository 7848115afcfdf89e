import { createHash } from 'node:crypto';
import {
  computeTotals,
  type Discount,
  defineConnector,
  hmacSha256,
  type OrderDraftInput,
  parseMoney,
  safeEqual,
  type TaxLine,
  zodMessage,
} from '@switchyard/core';
import { z } from 'zod';
import { Batch, idProblem, OrderIn } from './format.ts';

export const TIMESTAMP_HEADER = 'x-switchyard-timestamp';
export const SIGNATURE_HEADER = 'x-switchyard-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

const Settings = z
  .object({
    /** How far the timestamp may be from the hub's clock, either way (default 300 s). */
    toleranceSeconds: z.number().int().min(1).max(3600).default(300),
  })
  .strict();

const Secrets = z.object({
  signingSecret: z.string().min(8, 'the signing secret must be at least 8 characters'),
  /** The secret before a rotation, still accepted until removed. */
  previousSigningSecret: z.string().min(8).optional(),
});

/** The signature a sender computes: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${raw body}`). */
export function sign(secret: string, timestamp: number | string, body: Uint8Array | string): string {
  const bytes =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return `sha256=${hmacSha256(secret, Buffer.concat([Buffer.from(`${timestamp}.`), bytes]), 'hex')}`;
}

/** Headers for a signed request, for senders written in TypeScript and for tests. */
export function signedHeaders(
  secret: string,
  body: Uint8Array | string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: sign(secret, timestamp, body),
  };
}

/**
 * The intake calls dedupeKey and normalize on the same request; both need the JSON,
 * so it is parsed once per body.
 */
const parsedBodies = new WeakMap<Uint8Array, unknown>();
/** JSON is UTF-8 (RFC 8259): bytes that are not are refused, never replaced (two ids would become one). */
const utf8 = new TextDecoder('utf-8', { fatal: true });
function parseBody(body: Uint8Array): unknown {
  if (parsedBodies.has(body)) return parsedBodies.get(body);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new SyntaxError('the body is not valid UTF-8');
  }
  const json: unknown = JSON.parse(text);
  parsedBodies.set(body, json);
  return json;
}

/** An ISO 8601 timestamp as the format takes it: it holds no "@", so the key below splits one way only. */
const KEY_TIME = /^[0-9T:.+\-Z]{1,40}$/i;

function mapOrder(o: OrderIn): OrderDraftInput {
  const currency = o.currency.toUpperCase();
  const m = (value: string | number) => parseMoney(value, currency);
  const taxes = (list: { title: string; rate?: string | undefined; amount: string | number }[]): TaxLine[] =>
    list.map((t) => ({ title: t.title, ...(t.rate ? { rate: t.rate } : {}), amount: m(t.amount) }));
  const discounts = (
    list: { code?: string | undefined; title?: string | undefined; amount: string | number }[],
  ): Discount[] =>
    list.map((d) => ({
      ...(d.code ? { code: d.code } : {}),
      ...(d.title ? { title: d.title } : {}),
      amount: m(d.amount),
    }));
  const draft: OrderDraftInput = {
    externalId: o.id,
    ...(o.number ? { externalNumber: o.number } : {}),
    kind: o.purchaseOrder ? 'b2b' : 'b2c',
    status: o.status ?? 'placed',
    currency,
    placedAt: o.placedAt,
    updatedAt: o.updatedAt ?? o.placedAt,
    ...(o.customer
      ? {
          customer: {
            ...(o.customer.id ? { externalId: o.customer.id } : {}),
            email: o.customer.email,
            phone: o.customer.phone,
            name: o.customer.name,
            company: o.customer.company,
          },
        }
      : {}),
    ...(o.billingAddress
      ? { billingAddress: { ...o.billingAddress, country: o.billingAddress.country?.toUpperCase() } }
      : {}),
    ...(o.shippingAddress
      ? { shippingAddress: { ...o.shippingAddress, country: o.shippingAddress.country?.toUpperCase() } }
      : {}),
    lines: o.lines.map((l, i) => ({
      id: l.id ?? String(i + 1),
      ...(l.id ? { externalId: l.id } : {}),
      sku: l.sku,
      title: l.title,
      quantity: { ordered: l.quantity },
      unitOfMeasure: l.unitOfMeasure ?? 'EA',
      unitPrice: m(l.unitPrice),
      discounts: discounts(l.discounts),
      taxLines: taxes(l.taxes),
      buyerPartNumber: l.buyerPartNumber,
      vendorPartNumber: l.vendorPartNumber,
      upc: l.upc,
    })),
    shippingLines: o.shipping.map((s) => ({
      code: s.code,
      title: s.title,
      carrier: s.carrier,
      price: m(s.price),
      discounts: discounts(s.discounts),
      taxLines: taxes(s.taxes),
    })),
    discounts: discounts(o.discounts),
    taxesIncluded: o.taxesIncluded,
    payments: o.payments.map((p, i) => ({
      id: p.id ?? `payment-${i + 1}`,
      status: p.status,
      gateway: p.gateway,
      reference: p.reference,
      ...(p.status === 'authorized' ? { authorized: m(p.amount) } : {}),
      ...(p.status === 'captured' ? { captured: m(p.amount) } : {}),
      ...(p.status === 'refunded' ? { captured: m(p.amount), refunded: m(p.amount) } : {}),
    })),
    ...(o.purchaseOrder
      ? {
          b2b: {
            poNumber: o.purchaseOrder.number,
            poDate: o.purchaseOrder.date,
            requestedShipDate: o.purchaseOrder.requestedShipDate,
            requestedDeliveryDate: o.purchaseOrder.requestedDeliveryDate,
            cancelAfter: o.purchaseOrder.cancelAfter,
            paymentTerms: o.purchaseOrder.terms,
            buyerId: o.purchaseOrder.buyerId,
            shipToLocationCode: o.purchaseOrder.shipToLocationCode,
            billToLocationCode: o.purchaseOrder.billToLocationCode,
            departmentNumber: o.purchaseOrder.departmentNumber,
            vendorNumber: o.purchaseOrder.vendorNumber,
          },
        }
      : {}),
    note: o.note,
    tags: o.tags,
    attributes: o.attributes,
    totals: { items: m(0), discount: m(0), shipping: m(0), tax: m(0), total: m(0) },
  };
  const { totals: _placeholder, ...withoutTotals } = draft;
  const computed = computeTotals(withoutTotals);
  // Totals the sender states are kept as stated, so the hub's check catches a sender whose lines do not add up.
  draft.totals = {
    items: o.totals?.items !== undefined ? m(o.totals.items) : computed.items,
    discount: o.totals?.discount !== undefined ? m(o.totals.discount) : computed.discount,
    shipping: o.totals?.shipping !== undefined ? m(o.totals.shipping) : computed.shipping,
    tax: o.totals?.tax !== undefined ? m(o.totals.tax) : computed.tax,
    total: o.totals?.total !== undefined ? m(o.totals.total) : computed.total,
  };
  return draft;
}

export const httpJson = defineConnector({
  id: 'http-json',
  title: 'HTTP JSON (custom storefronts and ERPs)',
  capabilities: ['orders.webhook'],
  settings: Settings,
  secrets: Secrets,
  webhook: {
    contentTypes: ['application/json'],
    // The protocol's headers are X-Switchyard-Timestamp, X-Switchyard-Signature (an HMAC of timestamp.body) and
    // Idempotency-Key: none is a credential. A gateway's key in front of the sender (X-Api-Key, Authorization) is on
    // the hub's common list.
    credentialHeaders: [],
    verify(request, { secrets, settings, now }) {
      const timestamp = request.headers[TIMESTAMP_HEADER];
      const signature = request.headers[SIGNATURE_HEADER];
      if (!timestamp || !signature) {
        return {
          ok: false,
          reason: `missing ${!timestamp ? 'X-Switchyard-Timestamp' : 'X-Switchyard-Signature'} header`,
        };
      }
      if (!/^\d{1,12}$/.test(timestamp))
        return { ok: false, reason: 'X-Switchyard-Timestamp must be unix seconds' };
      const skew = Math.abs(now().getTime() / 1000 - Number(timestamp));
      if (skew > settings.toleranceSeconds) {
        return {
          ok: false,
          reason: `timestamp is ${Math.round(skew)} s from the hub's clock (tolerance ${settings.toleranceSeconds} s): resend with a fresh timestamp and check the sender's clock`,
        };
      }
      const candidates = [secrets.signingSecret, secrets.previousSigningSecret].filter(
        (s): s is string => !!s,
      );
      const given = signature.trim().toLowerCase();
      const matched = candidates
        .map((s) => safeEqual(sign(s, timestamp, request.body), given))
        .includes(true);
      return matched
        ? { ok: true }
        : { ok: false, reason: 'signature does not match the body and timestamp' };
    },
    dedupeKey(request) {
      const explicit = request.headers[IDEMPOTENCY_HEADER]?.trim();
      // The header is not covered by the signature, so the key is bound to the body it came with:
      // a replayed body cannot claim the key of a delivery still to come.
      if (explicit) return `key:${explicit}#${createHash('sha256').update(request.body).digest('hex')}`;
      try {
        const body = parseBody(request.body) as { id?: unknown; updatedAt?: unknown };
        // Without updatedAt two states of one order would share a key, and an id that does not name exactly one
        // order would share it with another: the hub then keys by the body's hash.
        if (!idProblem(body.id) && typeof body.updatedAt === 'string' && KEY_TIME.test(body.updatedAt)) {
          return 'orders' in body ? undefined : `order:${String(body.id)}@${body.updatedAt}`;
        }
      } catch {
        // malformed: the hub falls back to a hash of the body
      }
      return undefined;
    },
  },
  normalize(payload) {
    let json: unknown;
    try {
      json = parseBody(payload.body);
    } catch (error) {
      throw new Error(
        `body is not valid JSON (${(error as Error).message}); send one order object or {"orders": [...]}`,
      );
    }
    const isBatch = typeof json === 'object' && json !== null && !Array.isArray(json) && 'orders' in json;
    const parsed = isBatch ? Batch.safeParse(json) : OrderIn.safeParse(json);
    if (!parsed.success) throw new Error(`body is not an http-json order: ${zodMessage(parsed.error)}`);
    const orders = 'orders' in parsed.data ? parsed.data.orders : [parsed.data];
    return { orders: orders.map(mapOrder) };
  },
});

export default httpJson;
