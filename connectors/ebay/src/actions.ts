import {
  type ActionResult,
  type ConnectorActions,
  type Order,
  PermanentError,
  VendorError,
} from '@switchyard/core';
import { ebayApi } from './client.ts';
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

export const actions: ConnectorActions<Settings, Secrets> = {
  /**
   * createShippingFulfillment, once per package. eBay has no idempotency key, so the order's fulfillments are
   * read first: one with the same tracking number (or, untracked, the same line items) is this package, sent
   * before by an attempt whose answer was lost, and its id is returned instead of making a second. eBay answers
   * 201 with no useful body: the new fulfillment's id is the last part of the `Location` header.
   */
  async pushFulfillment(context, { order, fulfillment }): Promise<ActionResult> {
    const api = await ebayApi(context, 'fulfillment', context.signal);
    const orderId = order.externalId;
    const path = `order/${encodeURIComponent(orderId)}/shipping_fulfillment`;
    const lineItems = lineItemsOf(order, fulfillment.lines);
    const tracking = fulfillment.trackingNumbers[0] ? trackingOf(fulfillment.trackingNumbers[0]) : undefined;
    const existing = await api.json<{ fulfillments?: ShippingFulfillment[] }>('GET', path, {
      what: `order ${orderId} shipping fulfillments`,
    });
    const same = (existing?.fulfillments ?? []).find((f) =>
      tracking
        ? f.shipmentTrackingNumber && trackingOf(f.shipmentTrackingNumber) === tracking
        : sameLines(lineItems, f),
    );
    if (same?.fulfillmentId) return { externalId: same.fulfillmentId };
    if (tracking && !fulfillment.carrier) {
      throw new PermanentError(
        `order ${orderId}: eBay needs the carrier with a tracking number, and fulfillment ${fulfillment.id} names none`,
      );
    }
    const answer = await api
      .request('POST', path, {
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
      })
      .catch((error: unknown) => {
        throw maybeCreated(error, orderId);
      });
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
