import {
  addressOf,
  bodyText,
  computeTotals,
  formatMoney,
  type NormalizeResult,
  type OrderDraftInput,
  parseMoney,
  type StoredPayload,
  zodMessage,
} from '@switchyard/core';
import { z } from 'zod';

/** A Walmart order as its API and webhooks give it. Unknown fields are ignored. */
const Amount = z.string();
const Text = z.string().nullish();
export const VendorOrder = z.object({
  id: z.string().min(1),
  number: Text,
  status: z.enum(['pending', 'paid', 'shipped', 'cancelled']),
  currency: z.string().length(3),
  created_at: z.string(),
  updated_at: z.string(),
  customer: z.object({ id: Text, email: Text, name: Text }).nullish(),
  shipping_address: z.record(z.string(), Text).nullish(),
  lines: z
    .array(
      z.object({
        id: z.string(),
        sku: Text,
        title: z.string(),
        quantity: z.number().int().positive(),
        unit_price: Amount,
        tax: Amount.nullish(),
      }),
    )
    .min(1),
  shipping: z.object({ method: z.string(), price: Amount, tax: Amount.nullish() }).nullish(),
  total: Amount,
});

const STATUS = { pending: 'placed', paid: 'accepted', shipped: 'shipped', cancelled: 'cancelled' } as const;

/** One vendor order as a canonical draft; its total must be what the lines, shipping and taxes add up to. */
export function mapOrder(o: z.infer<typeof VendorOrder>): OrderDraftInput {
  const currency = o.currency.toUpperCase();
  const money = (value: string) => parseMoney(value, currency);
  const tax = (value: string | null | undefined) =>
    value && money(value).amount ? [{ title: 'Tax', amount: money(value) }] : [];
  const a = o.shipping_address;
  const shippingAddress = a
    ? addressOf({
        name: a.name,
        line1: a.line1,
        line2: a.line2,
        city: a.city,
        region: a.region,
        postalCode: a.postal_code,
        country: a.country,
        phone: a.phone,
      })
    : undefined;
  const draft: Omit<OrderDraftInput, 'totals'> = {
    externalId: o.id,
    externalNumber: o.number ?? o.id,
    status: STATUS[o.status],
    currency,
    placedAt: new Date(o.created_at).toISOString(),
    updatedAt: new Date(o.updated_at).toISOString(),
    ...(o.customer?.email
      ? {
          customer: {
            externalId: o.customer.id ?? undefined,
            email: o.customer.email,
            name: o.customer.name ?? undefined,
          },
        }
      : {}),
    ...(shippingAddress ? { shippingAddress } : {}),
    lines: o.lines.map((l) => ({
      id: l.id,
      externalId: l.id,
      ...(l.sku ? { sku: l.sku } : {}),
      title: l.title,
      quantity: { ordered: l.quantity },
      unitPrice: money(l.unit_price),
      taxLines: tax(l.tax),
    })),
    shippingLines: o.shipping
      ? [{ code: o.shipping.method, price: money(o.shipping.price), taxLines: tax(o.shipping.tax) }]
      : [],
  };
  const totals = computeTotals(draft);
  const total = money(o.total);
  if (totals.total.amount !== total.amount) {
    throw new Error(
      `Walmart's total is ${formatMoney(total)} ${currency} but the lines, shipping and taxes add up to ${formatMoney(totals.total)}`,
    );
  }
  return { ...draft, totals };
}

/** A stored webhook body or pulled order as canonical drafts; anything else is a plain, explanatory error. */
export function normalize(payload: StoredPayload): NormalizeResult {
  let json: unknown;
  try {
    json = JSON.parse(bodyText(payload.body));
  } catch (error) {
    throw new Error(`body is not valid JSON (${(error as Error).message})`);
  }
  const parsed = VendorOrder.safeParse(json);
  if (!parsed.success) throw new Error(`body is not a Walmart order: ${zodMessage(parsed.error)}`);
  return { orders: [mapOrder(parsed.data)] };
}
