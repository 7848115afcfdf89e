import { type ActionContext, isPermanent, type Order, OrderDraft } from '@switchyard/core';
import { sampleDraft } from '@switchyard/core/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stripe } from '../src/index.ts';
import { authorizedIntent, fakeStripe } from './fakes/stripe.ts';

/** Stripe's payment actions with the real `stripe` client against the fake API, asserting on what Stripe saw. */
const secretKey = 'sk_test_actions_0123456789';
const fake = fakeStripe(secretKey);
const server = setupServer(...fake.handlers);
const settings = stripe.settings.parse({ maxNetworkRetries: 2 });
const secrets = stripe.secrets.parse({ secretKey, webhookSecret: 'whsec_actions_0123456789' });
const actions = stripe.actions!;

const context = (idempotencyKey: string, key = secrets.secretKey) =>
  ({
    tenantId: 'acme',
    connectionId: 'stripe',
    settings,
    secrets: { ...secrets, secretKey: key },
    now: () => new Date(),
    idempotencyKey,
    signal: new AbortController().signal,
  }) as ActionContext<typeof settings, typeof secrets>;

const order = (overrides: Record<string, unknown> = {}): Order =>
  ({
    id: 'ord_01JDEMO',
    ...OrderDraft.parse(
      sampleDraft('5001', {
        currency: 'EUR',
        externalNumber: '#5001',
        customer: { email: 'buyer@example.com', company: 'Acme Retail' },
        lines: [
          {
            id: '1',
            sku: 'SKU-1',
            title: 'Widget',
            quantity: { ordered: 2 },
            unitPrice: { amount: 6475, currency: 'EUR' },
          },
        ],
        b2b: { poNumber: 'PO-77' },
        ...overrides,
      }),
    ),
  }) as unknown as Order;
const eur = (amount: number) => ({ amount, currency: 'EUR' });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  fake.requests.length = 0;
});

describe('Stripe payment actions', () => {
  it('captures in minor units under the step’s key; a retried step reads the intent and does not capture twice', async () => {
    const intent = authorizedIntent(12950);
    fake.intents.set(intent.id, intent);
    const input = { order: order(), paymentId: intent.id, amount: eur(12950) };
    const first = await actions.capturePayment!(context('order:ord_01JDEMO/capture'), input);
    const again = await actions.capturePayment!(context('order:ord_01JDEMO/capture'), input);
    expect(first).toEqual({ externalId: intent.id, captured: eur(12950) });
    expect(again).toEqual(first);
    const captures = fake.requests.filter((r) => r.path.endsWith('/capture'));
    expect(captures.map((r) => [r.idempotencyKey, r.params.amount_to_capture])).toEqual([
      ['order:ord_01JDEMO/capture', '12950'],
    ]);
  });

  it('captures in Stripe’s units where they differ from ISO 4217: ISK counts hundredths in Stripe', async () => {
    const intent = authorizedIntent(1_500_000, 'isk');
    fake.intents.set(intent.id, intent);
    const result = await actions.capturePayment!(context('order:ord_isk/capture'), {
      order: order(),
      paymentId: intent.id,
      amount: { amount: 15_000, currency: 'ISK' },
    });
    expect(fake.requests.find((r) => r.path.endsWith('/capture'))!.params.amount_to_capture).toBe('1500000');
    expect(result.captured).toEqual({ amount: 15_000, currency: 'ISK' });
  });

  it('retries a 500 inside the client with the same Idempotency-Key', async () => {
    const intent = authorizedIntent(5000);
    fake.intents.set(intent.id, intent);
    fake.failNext = 1;
    await actions.capturePayment!(context('order:ord_2/capture'), {
      order: order(),
      paymentId: intent.id,
      amount: eur(5000),
    });
    const captures = fake.requests.filter((r) => r.path.endsWith('/capture'));
    expect(captures).toHaveLength(2);
    expect(new Set(captures.map((r) => r.idempotencyKey))).toEqual(new Set(['order:ord_2/capture']));
    expect(intent.status).toBe('succeeded');
  });

  it('refuses for good what retrying cannot mend: a cancelled intent, a wrong key', async () => {
    const intent = authorizedIntent(800);
    fake.intents.set(intent.id, { ...intent, status: 'canceled', amount_capturable: 0 });
    const error = await actions.capturePayment!(context('order:ord_3/capture'), {
      order: order(),
      paymentId: intent.id,
      amount: eur(800),
    }).catch((e: unknown) => e);
    expect(isPermanent(error)).toBe(true);
    expect((error as Error).message).toBe(
      `PaymentIntent ${intent.id} cannot be captured for 800 EUR: it is canceled with 0 capturable`,
    );

    const denied = await actions.capturePayment!(context('order:ord_3/capture-2', 'sk_test_wrong_000000'), {
      order: order(),
      paymentId: intent.id,
      amount: eur(800),
    }).catch((e: unknown) => e);
    expect(isPermanent(denied)).toBe(true);
    expect((denied as Error).message).toMatch(
      /Stripe refused the API key for the read of the PaymentIntent: check secrets.secretKey/,
    );
  });

  it('never puts the secret key in an error, even when Stripe’s message quotes it', async () => {
    server.use(
      http.get(
        'https://api.stripe.com/v1/payment_intents/pi_echo',
        () =>
          HttpResponse.json(
            {
              error: {
                type: 'invalid_request_error',
                message: `No such payment_intent for key ${secretKey}`,
              },
            },
            { status: 400 },
          ),
        { once: true },
      ),
    );
    const error = await actions.capturePayment!(context('order:ord_echo/capture'), {
      order: order(),
      paymentId: 'pi_echo',
      amount: eur(800),
    }).catch((e: unknown) => e);
    expect(isPermanent(error)).toBe(true);
    expect((error as Error).message).toBe(
      'Stripe read of the PaymentIntent failed: No such payment_intent for key [redacted]',
    );
  });

  it('cancels an authorization once, and says to refund one already captured', async () => {
    const intent = authorizedIntent(2000);
    fake.intents.set(intent.id, intent);
    const input = { order: order(), paymentId: intent.id, reason: 'cancelled on the channel' };
    await actions.cancelPayment!(context('order:ord_4/void-payment'), input);
    await actions.cancelPayment!(context('order:ord_4/void-payment'), input);
    expect(intent.status).toBe('canceled');
    expect(fake.requests.filter((r) => r.path.endsWith('/cancel'))).toHaveLength(1);

    const captured = authorizedIntent(2000);
    fake.intents.set(captured.id, { ...captured, status: 'succeeded' });
    await expect(
      actions.cancelPayment!(context('order:ord_5/void-payment'), { ...input, paymentId: captured.id }),
    ).rejects.toThrow(/already captured: refund it instead/);
  });

  it('refunds part of a capture once per key', async () => {
    const intent = authorizedIntent(12950);
    fake.intents.set(intent.id, {
      ...intent,
      status: 'succeeded',
      amount_capturable: 0,
      amount_received: 12950,
    });
    const input = { order: order(), paymentId: intent.id, amount: eur(2500), reason: 'line 2 out of stock' };
    const first = await actions.refundPayment!(context('order:ord_6/refund-1'), input);
    const again = await actions.refundPayment!(context('order:ord_6/refund-1'), input);
    expect(again).toEqual(first);
    expect(fake.refunds.filter((r) => r.payment_intent === intent.id).map((r) => r.amount)).toEqual([2500]);
  });

  it('invoices a B2B order on terms once: customer, invoice naming the workflow, one item, finalized, sent', async () => {
    const b2b = order();
    const input = { order: b2b, workflowId: 'order:ord_01JDEMO', daysUntilDue: 30 };
    const first = await actions.sendInvoice!(context('order:ord_01JDEMO/invoice'), input);
    const again = await actions.sendInvoice!(context('order:ord_01JDEMO/invoice'), input);
    expect(again).toEqual(first);
    expect(fake.customers.filter((c) => c.email === 'buyer@example.com')).toHaveLength(1);
    const invoice = fake.invoices.get(first.externalId!)!;
    expect(invoice).toMatchObject({
      status: 'open',
      sent: true,
      total: 12950,
      currency: 'eur',
      days_until_due: 30,
      collection_method: 'send_invoice',
      metadata: { switchyard_workflow_id: 'order:ord_01JDEMO', switchyard_order_id: 'ord_01JDEMO' },
      custom_fields: [{ name: 'PO number', value: 'PO-77' }],
    });
    expect(fake.items.filter((i) => i.invoice === invoice.id)).toHaveLength(1);
    expect(fake.invoices.size).toBe(1);
    // Every write carried a key derived from the step's.
    const writes = fake.requests.filter((r) => r.method === 'POST');
    expect(writes.every((r) => r.idempotencyKey?.startsWith('order:ord_01JDEMO/invoice/'))).toBe(true);

    // Replayed days later, when Stripe has forgotten the keys: the same invoice, not sent again.
    fake.forgetKeys();
    const sends = () => fake.requests.filter((r) => r.path.endsWith('/send') && !r.replayed).length;
    const sent = sends();
    expect(await actions.sendInvoice!(context('order:ord_01JDEMO/invoice'), input)).toEqual(first);
    expect(fake.invoices.size).toBe(1);
    expect(fake.items.filter((i) => i.invoice === invoice.id)).toHaveLength(1);
    expect(sends()).toBe(sent);
  });

  it('finishes a draft invoice an earlier attempt left, once its keys are forgotten: one item, finalized, sent', async () => {
    const input = {
      order: order({ id: 'ord_02JDEMO', externalId: 'B2B-2' }),
      workflowId: 'order:ord_02JDEMO',
      daysUntilDue: 14,
    };
    await actions.sendInvoice!(context('order:ord_02JDEMO/invoice'), input);
    const made = [...fake.invoices.values()].find(
      (i) => (i.metadata as Record<string, string>).switchyard_workflow_id === 'order:ord_02JDEMO',
    )!;
    // As an attempt that died after the item and before finalizing would have left it, a day ago.
    Object.assign(made, { status: 'draft', sent: false });
    made.metadata = { ...(made.metadata as object), switchyard_sent: 'false' };
    fake.forgetKeys();
    const invoices = fake.invoices.size;
    expect((await actions.sendInvoice!(context('order:ord_02JDEMO/invoice'), input)).externalId).toBe(
      made.id,
    );
    expect(fake.invoices.size).toBe(invoices);
    expect(fake.items.filter((i) => i.invoice === made.id)).toHaveLength(1);
    expect(made).toMatchObject({ status: 'open', sent: true, metadata: { switchyard_sent: 'true' } });
  });
});
