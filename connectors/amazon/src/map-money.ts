import {
  type Adjustment,
  type Discount,
  formatMoney,
  type Money,
  money,
  type OrderDraftInput,
  parseMoney,
  splitLineTotal,
} from '@switchyard/core';
import type { AmazonItem, AmazonMoney, AmazonOrder, ItemBreakdown } from './order-shape.ts';

/**
 * An order's money, from its items' proceeds (the PROCEEDS dataset): each item's breakdowns ITEM, SHIPPING,
 * GIFT_WRAP, COD_FEE, OTHER, TAX and DISCOUNT, TAX and DISCOUNT split further by what they apply to
 * (`detailedBreakdowns[].subtype`), and the order-level DELIVERY_TIP. The goods' tax and discount go on their
 * line, shipping's on the order's one shipping line, a gift wrap's and a fee's on their adjustment. The
 * promotions that make a discount are named from the PROMOTION dataset, the tax's collector from TAX.
 */
type LineInput = OrderDraftInput['lines'][number];
type ShippingInput = NonNullable<OrderDraftInput['shippingLines']>[number];

/** What an item's charges apply to: its goods, the shipping, a gift wrap, a COD fee, anything else. */
type Target = 'goods' | 'shipping' | 'giftWrap' | 'cod' | 'other';
/**
 * A TAX or DISCOUNT detail's subtype, by what it applies to. A TAX detail of subtype DISCOUNT (the tax a discount
 * takes off) applies to what was discounted: it is kept apart here, then shared out by the DISCOUNT breakdown
 * (`itemTax`).
 */
type Part = Target | 'discount';
const TARGETS: Record<string, Part> = {
  ITEM: 'goods',
  SHIPPING: 'shipping',
  GIFT_WRAP: 'giftWrap',
  COD_FEE: 'cod',
  OTHER: 'other',
  DISCOUNT: 'discount',
};
const CHARGES: Record<string, Target> = {
  SHIPPING: 'shipping',
  GIFT_WRAP: 'giftWrap',
  COD_FEE: 'cod',
  OTHER: 'other',
};

const zero = (): Record<Target, number> => ({ goods: 0, shipping: 0, giftWrap: 0, cod: 0, other: 0 });
const parts = (): Record<Part, number> => ({ ...zero(), discount: 0 });

export interface MappedMoney {
  lines: LineInput[];
  shippingLines: ShippingInput[];
  adjustments: Adjustment[];
}

type Read = ReturnType<typeof reader>;

/** Reads amounts in the order's currency: an amount in another is a mapping problem, said so. */
export function reader(currency: string, orderId: string) {
  return (m: AmazonMoney, where: string): Money => {
    if (m.currencyCode.toUpperCase() !== currency) {
      throw new Error(
        `order ${orderId}: ${where} is in ${m.currencyCode}, the order is in ${currency}; Amazon orders carry one currency`,
      );
    }
    return parseMoney(m.amount, currency);
  };
}

/** A TAX or DISCOUNT breakdown split by target; without details, all of it applies to the goods. */
function split(b: ItemBreakdown | undefined, read: Read, where: string): Record<Part, number> {
  const out = parts();
  if (!b) return out;
  const details = b.detailedBreakdowns ?? [];
  if (!details.length) {
    out.goods = read(b.subtotal, where).amount;
    return out;
  }
  for (const d of details)
    out[TARGETS[d.subtype] ?? 'other'] += read(d.value, `${where} (${d.subtype})`).amount;
  return out;
}

/**
 * The item's tax by target, the tax a discount took off (TAX detail DISCOUNT, negative) charged to what was
 * discounted: shared between the shipping and the rest in proportion to the DISCOUNT breakdown's SHIPPING part
 * and its other parts (a free-shipping promotion takes its tax off the shipping's tax, not the goods'); all of it
 * to the goods when the discount names no shipping. Then, where one side goes below zero (Amazon's discount tax
 * rounded against a small tax, or shared otherwise than the breakdown says), the other side's tax covers it,
 * shipping's first. Throws only when the item's tax on goods and shipping together is negative.
 */
function itemTax(
  tax: Record<Part, number>,
  discount: Record<Part, number>,
  where: string,
  ctx: { orderId: string; currency: string },
): Record<Target, number> {
  const { discount: taken, ...rest } = tax;
  const out: Record<Target, number> = rest;
  if (taken) {
    const onShipping = Math.abs(discount.shipping);
    const onRest = Math.abs(
      discount.goods + discount.giftWrap + discount.cod + discount.other + discount.discount,
    );
    const toShipping = onShipping ? Math.round((taken * onShipping) / (onShipping + onRest)) : 0;
    out.shipping += toShipping;
    out.goods += taken - toShipping;
  }
  if (out.goods < 0 && out.shipping > 0) {
    const moved = Math.min(-out.goods, out.shipping);
    out.goods += moved;
    out.shipping -= moved;
  }
  if (out.shipping < 0 && out.goods > 0) {
    const moved = Math.min(-out.shipping, out.goods);
    out.shipping += moved;
    out.goods -= moved;
  }
  if (out.goods < 0 || out.shipping < 0) {
    throw new Error(
      `order ${ctx.orderId}: ${where} carries a negative tax on its goods and shipping together (${formatMoney(money(out.goods + out.shipping, ctx.currency))} ${ctx.currency}): a discount's tax larger than the tax it discounts`,
    );
  }
  return out;
}

function taxTitle(item: AmazonItem): string {
  const models = (item.tax?.taxCollections ?? []).map((c) => c.model).filter(Boolean);
  return models.includes('MARKETPLACE_FACILITATOR')
    ? 'Tax (collected by Amazon as marketplace facilitator)'
    : 'Tax';
}

function promotionDiscount(item: AmazonItem, amount: number, currency: string): Discount {
  const ids = (item.promotion?.breakdowns ?? []).map((p) => p.promotionId).filter((p): p is string => !!p);
  return {
    ...(ids.length === 1 ? { code: ids[0] } : {}),
    title: ids.length ? `Amazon promotion ${ids.join(', ')}` : 'Amazon discount',
    amount: money(amount, currency),
  };
}

/** The order's service level as a shipping method people read: SECOND_DAY → "Second day". */
export function serviceLevelTitle(level: string): string {
  const words = level.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One item's breakdowns by type (a type Amazon repeats is summed). */
function breakdownsOf(item: AmazonItem, read: Read, where: string): Map<string, ItemBreakdown> {
  const byType = new Map<string, ItemBreakdown>();
  for (const b of item.proceeds?.breakdowns ?? []) {
    const same = byType.get(b.type);
    byType.set(b.type, same ? { ...b, subtotal: sumOf(same.subtotal, b.subtotal, read, where) } : b);
  }
  return byType;
}

/** What one item charges for, besides its goods, and their tax and discounts: added to the order's. */
interface Charges {
  amounts: Record<Target, number>;
  tax: Record<Target, number>;
  shippingDiscount: number;
  anyShipping: boolean;
}

/** The item's title as people read it. */
const titleOf = (item: AmazonItem) =>
  item.product.title || item.product.sellerSku || item.product.asin || `Item ${item.orderItemId}`;

/**
 * An item Amazon zeroed when it was cancelled (quantity 0, nothing charged), as the line it was: the canonical
 * order has no line of 0, so its quantity is what the item's fulfillment counts still say (fulfilled and not),
 * else 1, all of it cancelled, at a price of 0 (nothing was charged for it). A cancelled order whose every item
 * Amazon zeroed so still reaches the hub, as `cancelled`, and its workflow is cancelled.
 */
function zeroedLine(item: AmazonItem, currency: string): LineInput {
  const counted =
    Math.max(0, item.fulfillment?.quantityFulfilled ?? 0) +
    Math.max(0, item.fulfillment?.quantityUnfulfilled ?? 0);
  const quantity = Math.max(1, counted);
  return {
    id: item.orderItemId,
    externalId: item.orderItemId,
    ...(item.product.sellerSku ? { sku: item.product.sellerSku } : {}),
    title: titleOf(item),
    quantity: { ordered: quantity, fulfilled: 0, cancelled: quantity },
    unitPrice: money(0, currency),
    discounts: [],
    taxLines: [],
  };
}

/**
 * One item as a canonical line: its unit price (rebuilt from the ITEM proceeds when Amazon's unit price does not
 * multiply out, the odd cents then a rounding adjustment), its goods' tax and discount; its other charges added
 * to `charges`. An item Amazon zeroed (quantity 0 and nothing charged) is a line all cancelled (`zeroedLine`).
 */
function mapItem(
  item: AmazonItem,
  ctx: { orderId: string; currency: string; read: Read; charges: Charges; adjustments: Adjustment[] },
): LineInput {
  const { read, charges, currency } = ctx;
  const where = `item ${item.orderItemId}`;
  const byType = breakdownsOf(item, read, where);
  if (item.quantityOrdered === 0) {
    const left = [...byType.values()].filter((b) => read(b.subtotal, where).amount !== 0);
    if (!left.length) return zeroedLine(item, currency);
    throw new Error(
      `order ${ctx.orderId}: item ${item.orderItemId} has a quantity of 0 but proceeds of ${left.map((b) => b.type).join(', ')}`,
    );
  }
  for (const [type, target] of Object.entries(CHARGES)) {
    const b = byType.get(type);
    if (!b) continue;
    charges.amounts[target] += read(b.subtotal, `${where} ${type}`).amount;
    if (target === 'shipping') charges.anyShipping = true;
  }
  // Amazon states discounts as negative proceeds; what the buyer saved is their magnitude.
  const discount = split(byType.get('DISCOUNT'), read, `${where} DISCOUNT`);
  const tax = itemTax(split(byType.get('TAX'), read, `${where} TAX`), discount, where, ctx);
  for (const t of ['shipping', 'giftWrap', 'cod', 'other'] as const) charges.tax[t] += tax[t];
  charges.shippingDiscount += Math.abs(discount.shipping);
  const goodsDiscount = Math.abs(
    discount.goods + discount.giftWrap + discount.cod + discount.other + discount.discount,
  );
  const unit = item.product.price?.unitPrice
    ? read(item.product.price.unitPrice, `${where} unit price`)
    : undefined;
  const itemTotal = byType.get('ITEM');
  const goods = itemTotal
    ? read(itemTotal.subtotal, `${where} ITEM`)
    : money((unit?.amount ?? 0) * item.quantityOrdered, currency);
  let unitPrice = unit && unit.amount * item.quantityOrdered === goods.amount ? unit : undefined;
  if (!unitPrice) {
    // The item's proceeds are the authority: a unit price that does not multiply out is rebuilt from them.
    const parts = splitLineTotal(goods, item.quantityOrdered);
    unitPrice = parts.unit;
    if (parts.remainder.amount) {
      ctx.adjustments.push({
        kind: 'rounding',
        title: `Price rounding of item ${item.orderItemId}`,
        amount: parts.remainder,
        taxLines: [],
      });
    }
  }
  const fulfilled = Math.min(item.quantityOrdered, Math.max(0, item.fulfillment?.quantityFulfilled ?? 0));
  return {
    id: item.orderItemId,
    externalId: item.orderItemId,
    ...(item.product.sellerSku ? { sku: item.product.sellerSku } : {}),
    title: titleOf(item),
    quantity: {
      ordered: item.quantityOrdered,
      fulfilled,
      cancelled: item.cancellation?.cancellationExecution ? item.quantityOrdered - fulfilled : 0,
    },
    unitPrice,
    discounts: goodsDiscount ? [promotionDiscount(item, goodsDiscount, currency)] : [],
    taxLines: tax.goods ? [{ title: taxTitle(item), amount: money(tax.goods, currency) }] : [],
  };
}

/** The order's one shipping line: merchant-fulfilled orders always carry their service level, which rules read. */
function shippingLinesOf(order: AmazonOrder, charges: Charges, currency: string): ShippingInput[] {
  if (!charges.anyShipping && order.fulfillment.fulfilledBy === 'AMAZON') return [];
  const level = order.fulfillment.fulfillmentServiceLevel ?? 'STANDARD';
  const amount = (m: number) => money(m, currency);
  return [
    {
      code: level,
      title: serviceLevelTitle(level),
      price: amount(charges.amounts.shipping),
      discounts: charges.shippingDiscount
        ? [{ title: 'Amazon shipping discount', amount: amount(charges.shippingDiscount) }]
        : [],
      taxLines: charges.tax.shipping ? [{ title: 'Tax', amount: amount(charges.tax.shipping) }] : [],
    },
  ];
}

export function mapMoney(order: AmazonOrder, currency: string): MappedMoney {
  const read = reader(currency, order.orderId);
  const adjustments: Adjustment[] = [];
  const charges: Charges = { amounts: zero(), tax: zero(), shippingDiscount: 0, anyShipping: false };
  const lines = order.orderItems.map((item) =>
    mapItem(item, { orderId: order.orderId, currency, read, charges, adjustments }),
  );
  const charge = (target: 'giftWrap' | 'cod' | 'other', kind: Adjustment['kind'], title: string) => {
    if (!charges.amounts[target] && !charges.tax[target]) return;
    adjustments.push({
      kind,
      title,
      amount: money(charges.amounts[target], currency),
      taxLines: charges.tax[target] ? [{ title: 'Tax', amount: money(charges.tax[target], currency) }] : [],
    });
  };
  charge('giftWrap', 'fee', 'Gift wrap');
  charge('cod', 'fee', 'Cash on delivery fee');
  charge('other', 'other', 'Other charges');
  for (const b of order.proceeds?.breakdowns ?? []) {
    if (b.type !== 'DELIVERY_TIP') continue;
    const tip = read(b.subtotal, 'the order’s DELIVERY_TIP');
    if (!tip.amount) continue;
    const title = `Delivery tip${b.status ? ` (${b.status.toLowerCase()})` : ''}`;
    adjustments.push({ kind: 'tip', title, amount: tip, taxLines: [] });
  }
  return { lines, shippingLines: shippingLinesOf(order, charges, currency), adjustments };
}

function sumOf(a: AmazonMoney, b: AmazonMoney, read: Read, where: string): AmazonMoney {
  const total = money(read(a, where).amount + read(b, where).amount, a.currencyCode.toUpperCase());
  return { amount: formatMoney(total), currencyCode: total.currency };
}
