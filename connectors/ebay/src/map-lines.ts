import {
  formatMoney,
  type Money,
  money,
  type OrderDraftInput,
  parseMoney,
  splitLineTotal,
} from '@switchyard/core';
import type { Amount, EbayOrder, LineItem } from './ebay-order.ts';

type Draft = Omit<OrderDraftInput, 'totals'>;

/** Reads eBay amounts in the order's currency; another currency (an unconverted amount) is a mapping error. */
export function moneyReader(currency: string) {
  const read = (a: Amount, where: string): Money => {
    if (a.currency.toUpperCase() !== currency) {
      throw new Error(`${where} is in ${a.currency} but the order's total is in ${currency}`);
    }
    return parseMoney(a.value, currency);
  };
  /** An amount eBay may leave out (zero then), read as its magnitude: eBay signs discounts negative. */
  const size = (a: Amount | null | undefined, where: string): Money =>
    a ? money(Math.abs(read(a, where).amount), currency) : money(0, currency);
  return { read, size };
}
export type MoneyReader = ReturnType<typeof moneyReader>;

/** eBay's tax types in words, for tax line titles (TaxTypeEnum). */
const TAX_TITLES: Record<string, string> = {
  STATE_SALES_TAX: 'US state sales tax',
  PROVINCE_SALES_TAX: 'Provincial sales tax',
  GST: 'GST',
  VAT: 'VAT',
  SST: 'Sales and service tax',
  IMPORT_VAT: 'Import VAT',
  IMPORT_TAX: 'Import tax',
};

/**
 * eBay's 'Collect and Remit' taxes: eBay collects them from the buyer and pays them to the tax authority. A tax
 * of such a type that appears in both `taxes` and `ebayCollectAndRemitTaxes` with the same amount is one tax,
 * not two (eBay's own rule); one that appears only in `ebayCollectAndRemitTaxes` is a fee eBay collects (tire or
 * electronics recycling) and counts in `pricingSummary.fee`.
 */
function collectAndRemit(li: LineItem, m: MoneyReader, where: string) {
  const remitted = (li.ebayCollectAndRemitTaxes ?? []).map((t, i) => ({
    type: t.taxType ?? 'TAX',
    amount: m.size(t.amount, `${where}.ebayCollectAndRemitTaxes[${i}].amount`),
  }));
  const taxes = (li.taxes ?? []).map((t, i) => ({
    type: t.taxType ?? undefined,
    amount: m.size(t.amount, `${where}.taxes[${i}].amount`),
  }));
  const mirrored = (r: { type: string; amount: Money }) =>
    taxes.some((t) => t.amount.amount === r.amount.amount && (t.type === undefined || t.type === r.type));
  return {
    taxes,
    remittedTaxes: remitted.filter((r) => r.amount.amount > 0 && mirrored(r)),
    fees: remitted.filter((r) => r.amount.amount > 0 && !mirrored(r)),
  };
}

/**
 * The order's lines. eBay gives each line's cost for all its units (`lineItemCost`): the unit price is its
 * share, and a remainder that does not divide evenly is kept as a rounding adjustment so the order still adds
 * up to the cent. Taxes are the line's `taxes`; shipping, handling, import charges and eBay-collected fees are
 * gathered for the order.
 */
export function mapLines(o: EbayOrder, m: MoneyReader, currency: string) {
  const adjustments: NonNullable<Draft['adjustments']> = [];
  const attributes: Record<string, string> = {};
  let shipping = 0;
  let shippingDiscount = 0;
  let remittedTax = 0;
  const cancelled = isCancelled(o);
  const lines = o.lineItems.map((li, i) => {
    const where = `lineItems[${i}]`;
    const { unit, remainder } = splitLineTotal(m.read(li.lineItemCost, `${where}.lineItemCost`), li.quantity);
    if (remainder.amount) {
      adjustments.push({
        kind: 'rounding',
        title: `${li.lineItemId}: cost not divisible by quantity`,
        amount: remainder,
      });
    }
    const delivery = li.deliveryCost;
    shipping +=
      m.size(delivery?.shippingCost, `${where}.deliveryCost.shippingCost`).amount +
      m.size(delivery?.handlingCost, `${where}.deliveryCost.handlingCost`).amount;
    shippingDiscount += m.size(delivery?.discountAmount, `${where}.deliveryCost.discountAmount`).amount;
    const duty = m.size(delivery?.importCharges, `${where}.deliveryCost.importCharges`);
    if (duty.amount)
      adjustments.push({ kind: 'duty', title: `${li.lineItemId}: import charges`, amount: duty });

    const { taxes, remittedTaxes, fees } = collectAndRemit(li, m, where);
    remittedTax += remittedTaxes.reduce((sum, t) => sum + t.amount.amount, 0);
    for (const fee of fees) {
      adjustments.push({
        kind: 'fee',
        title: `${li.lineItemId}: ${fee.type} (collected by eBay)`,
        amount: fee.amount,
      });
    }
    const remittedTypes = new Set(remittedTaxes.map((t) => t.type));
    if (li.legacyItemId) attributes[`ebay.legacyItemId.${li.lineItemId}`] = li.legacyItemId;
    if (li.legacyVariationId) attributes[`ebay.legacyVariationId.${li.lineItemId}`] = li.legacyVariationId;
    const shipped = li.lineItemFulfillmentStatus === 'FULFILLED' ? li.quantity : 0;
    return {
      id: li.lineItemId,
      externalId: li.lineItemId,
      ...(li.sku ? { sku: li.sku } : {}),
      title: li.title,
      quantity: {
        ordered: li.quantity,
        fulfilled: shipped,
        shipped,
        cancelled: cancelled ? li.quantity - shipped : 0,
      },
      unitPrice: unit,
      discounts: lineDiscounts(li, m, where),
      taxLines: taxes
        .filter((t) => t.amount.amount > 0)
        .map((t) => {
          const title = t.type ? (TAX_TITLES[t.type] ?? t.type) : 'Tax';
          const byEbay =
            remittedTypes.has(t.type ?? '') || (t.type === undefined && remittedTaxes.length > 0);
          return { title: byEbay ? `${title} (collected and remitted by eBay)` : title, amount: t.amount };
        }),
    };
  });
  const adjustment = o.pricingSummary.adjustment;
  if (adjustment) {
    const amount = m.read(adjustment, 'pricingSummary.adjustment');
    if (amount.amount) adjustments.push({ kind: 'other', title: 'eBay price adjustment', amount });
  }
  if (remittedTax) attributes['ebay.collectAndRemitTax'] = formatMoney(money(remittedTax, currency));
  return {
    lines,
    adjustments,
    attributes,
    shipping: money(shipping, currency),
    shippingDiscount: money(shippingDiscount, currency),
    remittedTax: money(remittedTax, currency),
  };
}

/** The line's promotions; or, without them, what `discountedLineItemCost` says the line was discounted. */
function lineDiscounts(li: LineItem, m: MoneyReader, where: string) {
  const promotions = (li.appliedPromotions ?? [])
    .map((p, i) => ({
      ...(p.promotionId ? { code: p.promotionId } : {}),
      title: p.description ?? 'eBay promotion',
      amount: m.size(p.discountAmount, `${where}.appliedPromotions[${i}].discountAmount`),
    }))
    .filter((d) => d.amount.amount > 0);
  if (promotions.length || !li.discountedLineItemCost) return promotions;
  const cost = m.read(li.lineItemCost, `${where}.lineItemCost`).amount;
  const discounted = m.read(li.discountedLineItemCost, `${where}.discountedLineItemCost`).amount;
  return cost > discounted
    ? [{ title: 'eBay discount', amount: money(cost - discounted, li.lineItemCost.currency.toUpperCase()) }]
    : [];
}

/** Cancelled on eBay: the order itself, a cancel request that completed, or a full refund before shipping. */
export function isCancelled(o: EbayOrder): boolean {
  const cancel = o.cancelStatus;
  return (
    cancel?.cancelState === 'CANCELED' ||
    (cancel?.cancelRequests ?? []).some((r) => r.cancelRequestState === 'COMPLETED') ||
    (o.orderPaymentStatus === 'FULLY_REFUNDED' && o.orderFulfillmentStatus !== 'FULFILLED')
  );
}
