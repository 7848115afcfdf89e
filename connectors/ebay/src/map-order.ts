import {
  addressOf,
  bodyText,
  computeTotals,
  formatMoney,
  type NormalizeResult,
  type OrderDraftInput,
  type StoredPayload,
  zodMessage,
} from '@switchyard/core';
import { type Contact, EbayOrder } from './ebay-order.ts';
import { isCancelled, mapLines, moneyReader } from './map-lines.ts';
import { isoOf, paymentsOf, refundsOf } from './map-payments.ts';

type Draft = Omit<OrderDraftInput, 'totals'>;

/**
 * The canonical status of an eBay order. Cancelled on eBay (the order, a completed cancel request, a full refund
 * before shipping) is `cancelled`; shipped lines say how far the order shipped; eBay fulfilling it itself is
 * `in_fulfillment` (the hub never ships it); a buyer's cancel request awaiting the seller, or a payment not
 * made, is `on_hold` (nothing ships until it is settled).
 */
function status(o: EbayOrder): NonNullable<Draft['status']> {
  if (isCancelled(o)) return 'cancelled';
  if (o.orderFulfillmentStatus === 'FULFILLED') return 'shipped';
  if (o.orderFulfillmentStatus === 'IN_PROGRESS') return 'partially_shipped';
  if (fulfilledByEbay(o)) return 'in_fulfillment';
  if (o.cancelStatus?.cancelState === 'IN_PROGRESS') return 'on_hold';
  if (o.orderPaymentStatus === 'PENDING' || o.orderPaymentStatus === 'FAILED') return 'on_hold';
  return 'placed';
}

function fulfilledByEbay(o: EbayOrder): boolean {
  return (
    o.program?.fulfillmentProgram?.fulfilledBy === 'EBAY' ||
    (o.fulfillmentStartInstructions ?? []).some((f) => f.fulfillmentInstructionsType === 'FULFILLED_BY_EBAY')
  );
}

const address = (c: Contact | null | undefined) =>
  c
    ? addressOf({
        name: c.fullName,
        company: c.companyName,
        line1: c.contactAddress?.addressLine1,
        line2: c.contactAddress?.addressLine2,
        city: c.contactAddress?.city,
        region: c.contactAddress?.stateOrProvince,
        postalCode: c.contactAddress?.postalCode,
        country: c.contactAddress?.countryCode,
        phone: c.primaryPhone?.phoneNumber,
        email: c.email,
      })
    : undefined;

/**
 * The buyer as eBay gives them at intake. eBay stops returning the email 14 days after the order and the name
 * and phone after 90: what the first read stored is the order's record of them (see the README: a later state
 * read without them is mapped with what it has).
 */
function customer(o: EbayOrder, shipTo: Contact | null | undefined) {
  const registered = o.buyer?.buyerRegistrationAddress;
  const email = registered?.email ?? shipTo?.email;
  const name = registered?.fullName ?? shipTo?.fullName;
  const phone = registered?.primaryPhone?.phoneNumber ?? shipTo?.primaryPhone?.phoneNumber;
  const c = {
    ...(o.buyer?.username ? { externalId: o.buyer.username } : {}),
    ...(email ? { email } : {}),
    ...(name ? { name } : {}),
    ...(phone ? { phone } : {}),
  };
  return Object.keys(c).length ? c : undefined;
}

/** The earliest ship-by date of the order's lines: past it eBay counts a late shipment. */
function shipByOf(o: EbayOrder): string | undefined {
  const dates = o.lineItems
    .map((li, i) => {
      const at = li.lineItemFulfillmentInstructions?.shipByDate;
      return at ? isoOf(at, `lineItems[${i}].lineItemFulfillmentInstructions.shipByDate`) : undefined;
    })
    .filter((d): d is string => d !== undefined)
    .sort();
  return dates[0];
}

/** One eBay order as a canonical draft, its total reconciled with eBay's `pricingSummary.total`. */
export function mapOrder(o: EbayOrder): OrderDraftInput {
  const currency = o.pricingSummary.total.currency.toUpperCase();
  const m = moneyReader(currency);
  const mapped = mapLines(o, m, currency);
  const instructions = o.fulfillmentStartInstructions?.[0];
  const step = instructions?.shippingStep;
  const shippingAddress = address(step?.shipTo);
  const billingAddress = address(o.buyer?.buyerRegistrationAddress);
  const buyer = customer(o, step?.shipTo);
  const shipBy = shipByOf(o);
  const refunds = refundsOf(o, m, mapped.remittedTax);
  const attributes: Record<string, string> = { ...mapped.attributes };
  if (o.salesRecordReference) attributes['ebay.salesRecordReference'] = o.salesRecordReference;
  if (step?.shipToReferenceId) attributes['ebay.shipToReferenceId'] = step.shipToReferenceId;
  const draft: Draft = {
    externalId: o.orderId,
    externalNumber: o.orderId,
    status: status(o),
    currency,
    placedAt: isoOf(o.creationDate, 'creationDate'),
    updatedAt: isoOf(o.lastModifiedDate, 'lastModifiedDate'),
    ...(shipBy ? { shipBy } : {}),
    // eBay drops the email after 14 days and name, phone and street after 90: a later read keeps what was stored.
    buyerRedacted: true,
    ...(buyer ? { customer: buyer } : {}),
    ...(billingAddress ? { billingAddress } : {}),
    ...(shippingAddress ? { shippingAddress } : {}),
    lines: mapped.lines,
    shippingLines:
      mapped.shipping.amount || step
        ? [
            {
              code: step?.shippingServiceCode ?? 'eBay shipping',
              title: step?.shippingServiceCode ?? 'eBay shipping',
              ...(step?.shippingCarrierCode ? { carrier: step.shippingCarrierCode } : {}),
              price: mapped.shipping,
              discounts: mapped.shippingDiscount.amount
                ? [{ title: 'eBay shipping discount', amount: mapped.shippingDiscount }]
                : [],
            },
          ]
        : [],
    adjustments: mapped.adjustments,
    payments: paymentsOf(o, m, refunds),
    refunds,
    ...(o.buyerCheckoutNotes ? { note: o.buyerCheckoutNotes } : {}),
    tags: [
      ...(fulfilledByEbay(o) ? ['fulfilled-by-ebay'] : []),
      ...(instructions?.ebaySupportedFulfillment ? ['ebay-supported-fulfillment'] : []),
    ],
    attributes,
  };
  const totals = computeTotals(draft);
  const stated = m.read(o.pricingSummary.total, 'pricingSummary.total');
  // Read without fieldGroups=TAX_BREAKDOWN, eBay leaves its Collect and Remit tax out of pricingSummary.total
  // (and taxType out of every tax): the buyer still paid it, and the lines carry it.
  const withoutBreakdown =
    o.lineItems.every((li) => (li.taxes ?? []).every((t) => !t.taxType)) &&
    stated.amount + mapped.remittedTax.amount === totals.total.amount;
  if (stated.amount !== totals.total.amount && !withoutBreakdown) {
    throw new Error(
      `eBay's total for order ${o.orderId} is ${formatMoney(stated)} ${currency} but its lines, shipping, taxes, fees and adjustments add up to ${formatMoney(totals.total)} (eBay-collected tax ${formatMoney(mapped.remittedTax)}): check the order in Seller Hub and replay once the mapping handles its charges`,
    );
  }
  return { ...draft, totals };
}

/** A stored order (pulled, or fetched after a notification) as its canonical draft; anything else says why not. */
export function normalize(payload: StoredPayload): NormalizeResult {
  let json: unknown;
  try {
    json = JSON.parse(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  const parsed = EbayOrder.safeParse(json);
  if (!parsed.success) throw new Error(`body is not an eBay order: ${zodMessage(parsed.error)}`);
  return { orders: [mapOrder(parsed.data)] };
}
