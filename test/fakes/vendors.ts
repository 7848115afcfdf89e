import { OrderDraft } from '@switchyard/core';
import { sampleDraft } from '@switchyard/core/testing';

/** The crash test's and the workflow benchmark's seeded orders: Shopify ids, and what each costs. */
export const crashOrderId = (i: number) => `9007199254${String(800000 + i)}`;
/** Two mugs at 10.00 and 7.50 shipping, in cents. */
export const CRASH_AMOUNT = 2750;

/**
 * Seeded order i as the hub holds it: the Shopify order the vendors' fake knows (one line, fulfillment order
 * open), paid by the PaymentIntent `pi_crash_<i>` authorized at checkout, shipped to `Buyer <i>`.
 */
export function seededOrderDraft(i: number): OrderDraft {
  const id = crashOrderId(i);
  return OrderDraft.parse(
    sampleDraft(id, {
      externalNumber: `#${i}`,
      shippingAddress: {
        name: `Buyer ${i}`,
        line1: '179 N Harbor Dr',
        city: 'Redondo Beach',
        region: 'CA',
        postalCode: '90277',
        country: 'US',
      },
      lines: [
        {
          id: `${id}1`,
          externalId: `${id}1`,
          sku: 'MUG-1',
          title: 'Mug',
          quantity: { ordered: 2 },
          unitPrice: { amount: 1000, currency: 'USD' },
          weightGrams: 400,
        },
      ],
      shippingLines: [{ code: 'Standard', title: 'Standard', price: { amount: 750, currency: 'USD' } }],
      payments: [
        {
          id: `p${i}`,
          status: 'authorized',
          gateway: 'stripe',
          reference: `pi_crash_${i}`,
          authorized: { amount: CRASH_AMOUNT, currency: 'USD' },
        },
      ],
    }),
  );
}
