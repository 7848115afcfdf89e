import { z } from 'zod';

/**
 * The parts of a Shopify order (webhook body or REST Admin order) the hub reads.
 * Unknown fields are ignored and optional ones may be missing or null: Shopify adds
 * fields between API versions, and a field it drops must not break the intake.
 */
const Id = z.union([z.string(), z.number()]);
const Amount = z.union([z.string(), z.number()]);
const MoneySet = z.object({ shop_money: z.object({ amount: Amount, currency_code: z.string() }) }).nullish();
const Text = z.string().nullish();

const TaxLineIn = z.object({
  title: Text,
  rate: z.union([z.number(), z.string()]).nullish(),
  price: Amount.nullish(),
  price_set: MoneySet,
});
const AllocationIn = z.object({ amount: Amount.nullish(), amount_set: MoneySet });

const AddressIn = z
  .object({
    name: Text,
    first_name: Text,
    last_name: Text,
    company: Text,
    address1: Text,
    address2: Text,
    city: Text,
    province: Text,
    province_code: Text,
    zip: Text,
    country_code: Text,
    phone: Text,
  })
  .nullish();

const LineItemIn = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  sku: Text,
  name: Text,
  title: Text,
  quantity: z.number().int(),
  current_quantity: z.number().int().nullish(),
  /** Set from a bulk export, whose fulfillments and refunds carry no lines: shipped and removed quantities. */
  fulfilled_quantity: z.number().int().nullish(),
  removed_quantity: z.number().int().nullish(),
  price: Amount.nullish(),
  price_set: MoneySet,
  gift_card: z.boolean().nullish(),
  grams: z.number().nullish(),
  tax_lines: z.array(TaxLineIn).nullish(),
  discount_allocations: z.array(AllocationIn).nullish(),
});

const ShippingLineIn = z.object({
  code: Text,
  title: Text,
  source: Text,
  carrier_identifier: Text,
  price: Amount.nullish(),
  price_set: MoneySet,
  tax_lines: z.array(TaxLineIn).nullish(),
  discount_allocations: z.array(AllocationIn).nullish(),
});

const FulfillmentIn = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  status: Text,
  shipment_status: Text,
  created_at: Text,
  tracking_company: Text,
  tracking_numbers: z.array(z.string()).nullish(),
  tracking_urls: z.array(z.string()).nullish(),
  line_items: z
    .array(z.object({ id: Id.nullish(), admin_graphql_api_id: Text, quantity: z.number().int() }))
    .nullish(),
});

const RefundIn = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  created_at: Text,
  note: Text,
  /** The amount refunded in shop money (GraphQL `totalRefundedSet`); else the transactions say. */
  total_refunded_set: MoneySet,
  refund_line_items: z
    .array(
      z.object({
        line_item_id: Id.nullish(),
        quantity: z.number().int(),
        restock_type: Text,
        subtotal_set: MoneySet,
        total_tax_set: MoneySet,
      }),
    )
    .nullish(),
  transactions: z
    .array(z.object({ kind: Text, status: Text, amount: Amount.nullish(), currency: Text }))
    .nullish(),
});

export const ShopifyOrder = z.object({
  id: Id.nullish(),
  admin_graphql_api_id: Text,
  name: Text,
  created_at: z.string(),
  updated_at: Text,
  cancelled_at: Text,
  currency: z.string().length(3),
  presentment_currency: Text,
  email: Text,
  phone: Text,
  note: Text,
  tags: Text,
  po_number: Text,
  taxes_included: z.boolean().nullish(),
  financial_status: Text,
  fulfillment_status: Text,
  payment_gateway_names: z.array(z.string()).nullish(),
  total_discounts: Amount.nullish(),
  total_discounts_set: MoneySet,
  total_price: Amount.nullish(),
  total_price_set: MoneySet,
  total_tip_received: Amount.nullish(),
  total_outstanding: Amount.nullish(),
  original_total_duties_set: MoneySet,
  original_total_additional_fees_set: MoneySet,
  customer: z
    .object({
      id: Id.nullish(),
      admin_graphql_api_id: Text,
      email: Text,
      phone: Text,
      first_name: Text,
      last_name: Text,
    })
    .nullish(),
  company: z.object({ id: Id.nullish(), location_id: Id.nullish() }).nullish(),
  billing_address: AddressIn,
  shipping_address: AddressIn,
  line_items: z.array(LineItemIn).min(1),
  shipping_lines: z.array(ShippingLineIn).nullish(),
  fulfillments: z.array(FulfillmentIn).nullish(),
  refunds: z.array(RefundIn).nullish(),
  note_attributes: z.array(z.object({ name: z.string(), value: z.unknown() })).nullish(),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrder>;
export type MoneySetIn = z.infer<typeof MoneySet>;
export type TaxLineIn = z.infer<typeof TaxLineIn>;
export type AllocationIn = z.infer<typeof AllocationIn>;
export type AddressIn = z.infer<typeof AddressIn>;

/** A value Shopify sent: not missing, null or empty. */
export const present = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined && v !== '';
