import {
  type ActionResult,
  type ConnectorActions,
  type Order,
  PermanentError,
  VendorError,
} from '@switchyard/core';
import { type EbayApi, ebayApi } from './client.ts';
import type { Secrets, Settings } from './settings.ts';
import { pushStock } from './stock.ts';

/** eBay's carrier codes (Trading API ShippingCarrierCodeType) by the names carriers go by in the hub. */
const CARRIERS: Record<string, string> = {
  usps: 'USPS',
  ups: 'UPS',
  fedex: 'FedEx',
  dhl: 'DHL',
  dhlexpress: 'DHL',
  canadapost: 'CanadaPost',
  royalmail: 'RoyalMail',
  australiapost: 'AustraliaPost',
  deutschepost: 'DeutschePost',
  hermes: 'Hermes',
  ontrac: 'OnTrac',
};

/** The carrier's eBay code: the connection's own mapping first, then the known ones, else its name as sent. */
export function carrierCode(carrier: string, custom: Record<string, string>): string {
  const own = custom[carrier] ?? custom[carrier.toLowerCase()];
  if (own) return own;
  const key = carrier.toLowerCase().replace(/[^a-z0-9]/g, '');
  return CARRIERS[key] ?? carrier.replace(/[^A-Za-z0-9_]/g, '');
}

/** eBay takes letters and digits only ("Do not include a space … even if a space appears on the label"). */
export const trackingOf = (n: string) => n.replace(/[^A-Za-z0-9]/g, '').toUpperCase();

interface ShippingFulfillment {
  fulfillmentId?: string;
  shipmentTrackingNumber?: string;
  lineItems?: { lineItemId?: string; quantity?: number }[];
}

const sameLines = (a: { lineItemId: string; quantity: number }[], f: ShippingFulfillment) =>
  JSON.stringify([...a].sort((x, y) => x.lineItemId.localeCompare(y.lineItemId))) ===
  JSON.stringify(
    (f.lineItems ?? [])
      .map((l) => ({ lineItemId: String(l.lineItemId), quantity: l.quantity ?? 1 }))
      .sort((x, y) => x.lineItemId.localeCompare(y.lineItemId)),
  );

/** The eBay line item ids and quantities of a fulfillment (canonical lines carry eBay's lineItemId). */
function lineItemsOf(order: Order, lines: { lineId: string; quantity: number }[]) {
  return lines.map((l) => {
    const line = order.lines.find((x) => x.id === l.lineId);
    if (!line) {
      throw new PermanentError(
        `order ${order.externalId} has no line ${l.lineId}: the fulfillment names a line the order does not have`,
      );
    }
    return { lineItemId: line.externalId ?? line.id, quantity: l.quantity };
  });
}

/**
 * A create that failed after it may have reached eBay (no answer, a 5xx): core's client does not repeat a POST
 * without an idempotency key, but the workflow step may, since it reads the order's fulfillments first. Such a
 * failure is thrown as retryable; eBay's refusals (4xx) stay permanent.
 */
function maybeCreated(error: unknown, orderId: string): unknown {
  if (!(error instanceof VendorError) || (error.status !== undefined && error.status < 500)) return error;
  return new Error(
    `eBay may have created the shipping fulfillment of order ${orderId} before its answer was lost (${error.message}): the step tries again, reading the order's fulfillments first`,
    { cause: error },
  );
}

/**
 * eBay's "these line items already have a fulfillment" (34500: use PUT; 32210): after a create whose answer was
 * lost, eBay may say so before its read lists the fulfillment made.
 */
const ALREADY_FULFILLED = new Set(['34500', '32210']);

interface Package {
  lineItems: { lineItemId: string; quantity: number }[];
  tracking: string | undefined;
}

/** The order's fulfillment that is this package: the same tracking number (or none) and the same line items. */
async function existingFulfillment(api: EbayApi, path: string, orderId: string, wanted: Package) {
  const existing = await api.json<{ fulfillments?: ShippingFulfillment[] }>('GET', path, {
    what: `order ${orderId} shipping fulfillments`,
  });
  const fulfillments = existing?.fulfillments ?? [];
  const same = fulfillments.find(
    (f) =>
      (f.shipmentTrackingNumber ? trackingOf(f.shipmentTrackingNumber) : undefined) === wanted.tracking &&
      sameLines(wanted.lineItems, f),
  );
  return { same, fulfillments };
}

export const actions: ConnectorActions<Settings, Secrets> = {
  /**
   * createShippingFulfillment, once per package. eBay has no idempotency key, so the order's fulfillments are
   * read first: one with the same tracking number and the same line items is this package, sent before by an
   * attempt whose answer was lost, and its id is returned instead of making a second. eBay answers 201 with no
   * useful body: the new fulfillment's id is the last part of the `Location` header.
   *
   * eBay takes one tracking number per fulfillment: a package with several (a multi-piece shipment) is sent
   * with its first (for UPS and FedEx the shipment's lead number); the others do not reach eBay (README: limits).
   */
  async pushFulfillment(context, { order, fulfillment }): Promise<ActionResult> {
    const api = await ebayApi(context, 'fulfillment', context.signal);
    const orderId = order.externalId;
    const path = `order/${encodeURIComponent(orderId)}/shipping_fulfillment`;
    const lineItems = lineItemsOf(order, fulfillment.lines);
    const tracking = fulfillment.trackingNumbers[0] ? trackingOf(fulfillment.trackingNumbers[0]) : undefined;
    const wanted: Package = { lineItems, tracking };
    const before = await existingFulfillment(api, path, orderId, wanted);
    if (before.same?.fulfillmentId) return { externalId: before.same.fulfillmentId };
    if (tracking && !fulfillment.carrier) {
      throw new PermanentError(
        `order ${orderId}: eBay needs the carrier with a tracking number, and fulfillment ${fulfillment.id} names none`,
      );
    }
    let answer: Awaited<ReturnType<EbayApi['request']>>;
    try {
      answer = await api.request('POST', path, {
        json: {
          lineItems,
          ...(fulfillment.shippedAt ? { shippedDate: new Date(fulfillment.shippedAt).toISOString() } : {}),
          ...(tracking
            ? {
                shippingCarrierCode: carrierCode(fulfillment.carrier!, context.settings.carrierCodes),
                trackingNumber: tracking,
              }
            : {}),
        },
        what: `order ${orderId} shipping fulfillment (createShippingFulfillment)`,
      });
    } catch (error) {
      if (error instanceof VendorError && ALREADY_FULFILLED.has(error.code ?? '')) {
        // Made by an earlier attempt whose answer was lost, and listed only now: this package, done.
        const after = await existingFulfillment(api, path, orderId, wanted);
        if (after.same?.fulfillmentId) return { externalId: after.same.fulfillmentId };
        // Another fulfillment holds this tracking number or these line items: a real conflict, eBay's refusal stands.
        const conflict = after.fulfillments.some(
          (f) =>
            (tracking !== undefined &&
              f.shipmentTrackingNumber !== undefined &&
              trackingOf(f.shipmentTrackingNumber) === tracking) ||
            (f.lineItems ?? []).some((l) => lineItems.some((x) => x.lineItemId === String(l.lineItemId))),
        );
        // eBay says done but lists nothing of these lines yet: its read lags; the step tries again later.
        if (!conflict) {
          throw new Error(
            `eBay says the line items of order ${orderId} already have a shipping fulfillment (${error.message}) but does not list it yet: the step tries again, reading the order's fulfillments first`,
            { cause: error },
          );
        }
      }
      throw maybeCreated(error, orderId);
    }
    const location = answer.headers.get('location');
    const id = location?.replace(/\/+$/, '').split('/').pop();
    if (!id) {
      throw new Error(
        `eBay created the shipping fulfillment of order ${orderId} but its answer has no Location header naming it`,
      );
    }
    return { externalId: decodeURIComponent(id) };
  },
  pushStock,
};
