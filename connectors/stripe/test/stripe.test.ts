import { fileURLToPath } from 'node:url';
import { connectorContract } from '@switchyard/core/testing';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { stripe, stripeSignal } from '../src/index.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const secrets = { secretKey: 'sk_test_connector_0123456789', webhookSecret: 'whsec_connector_0123456789' };
const now = new Date('2026-11-22T12:00:00Z');
const sign = (body: Uint8Array, secret: string, at: Date) => ({
  'stripe-signature': Stripe.webhooks.generateTestHeaderString({
    payload: Buffer.from(body).toString('utf8'),
    secret,
    timestamp: Math.floor(at.getTime() / 1000),
  }),
});

connectorContract({
  connector: stripe,
  settings: {},
  secrets,
  now,
  sign: (body, s, at) => sign(body, s.webhookSecret!, at),
  payloads: [
    {
      name: 'payment_intent.succeeded after a capture the hub made',
      body: { file: here('fixtures/payment-intent-succeeded.json') },
      golden: here('golden/payment-intent-succeeded.json'),
    },
    {
      name: 'charge.refunded (a partial refund)',
      body: { file: here('fixtures/charge-refunded.json') },
      golden: here('golden/charge-refunded.json'),
    },
    {
      name: 'invoice.paid for a B2B order on terms',
      body: { file: here('fixtures/invoice-paid.json') },
      golden: here('golden/invoice-paid.json'),
    },
    {
      name: 'customer.created, an event the hub does not use',
      body: { file: here('fixtures/customer-created.json') },
      golden: here('golden/customer-created.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"id": "evt_1", "object": "event", "type": "invoice.paid", "data": {' },
    { name: 'JSON that is not an event', body: '{"id": "pi_123", "object": "payment_intent"}' },
  ],
});

describe('Stripe webhooks', () => {
  const context = {
    tenantId: 't',
    connectionId: 'stripe',
    settings: stripe.settings.parse({}),
    secrets: stripe.secrets.parse(secrets),
    now: () => now,
  };
  const body = new Uint8Array(
    Buffer.from('{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{}}}'),
  );
  const request = (headers: Record<string, string>) => ({
    method: 'POST',
    path: '/webhooks/stripe',
    headers,
    body,
    contentType: 'application/json',
    receivedAt: now,
  });

  it('refuses a delivery signed more than 300 s ago, naming why', () => {
    const stale = sign(body, secrets.webhookSecret, new Date(now.getTime() - 301_000));
    expect(stripe.webhook!.verify(request(stale), context)).toEqual({
      ok: false,
      reason: 'Stripe-Signature is older than 300 s (a replayed or delayed delivery)',
    });
    const fresh = sign(body, secrets.webhookSecret, new Date(now.getTime() - 299_000));
    expect(stripe.webhook!.verify(request(fresh), context)).toEqual({ ok: true });
  });

  it('refuses a delivery dated more than 300 s ahead of the hub’s clock, as it does one 300 s old', () => {
    const ahead = sign(body, secrets.webhookSecret, new Date(now.getTime() + 3_600_000));
    expect(stripe.webhook!.verify(request(ahead), context)).toEqual({
      ok: false,
      reason:
        "Stripe-Signature is dated 3600 s ahead of the hub's clock (tolerance 300 s): check the hub's clock",
    });
    const near = sign(body, secrets.webhookSecret, new Date(now.getTime() + 299_000));
    expect(stripe.webhook!.verify(request(near), context)).toEqual({ ok: true });
    // Spelled as the library still reads it (parseInt, the last t=): refused all the same.
    const t = Math.floor(now.getTime() / 1000) + 3600;
    const v1 = ahead['stripe-signature'].split(',v1=')[1];
    for (const header of [`t=${t}x,v1=${v1}`, `t=${t}.0,v1=${v1}`]) {
      expect(stripe.webhook!.verify(request({ 'stripe-signature': header }), context).ok, header).toBe(false);
    }
    expect(stripe.webhook!.verify(request({ 'stripe-signature': `t=0,t=${t},v1=${v1}` }), context)).toEqual({
      ok: false,
      reason: 'Stripe-Signature has more than one t= timestamp',
    });
  });

  it('accepts any of several v1 signatures, and the previous secret while it is configured', () => {
    const t = Math.floor(now.getTime() / 1000);
    const good = sign(body, secrets.webhookSecret, now)['stripe-signature'].split(',v1=')[1];
    const header = `t=${t},v1=${'0'.repeat(64)},v1=${good}`;
    expect(stripe.webhook!.verify(request({ 'stripe-signature': header }), context)).toEqual({ ok: true });

    const rolled = {
      ...context,
      secrets: { ...context.secrets, previousWebhookSecret: 'whsec_before_roll_000' },
    };
    const old = sign(body, 'whsec_before_roll_000', now);
    expect(stripe.webhook!.verify(request(old), rolled)).toEqual({ ok: true });
    expect(stripe.webhook!.verify(request(old), context).ok).toBe(false);
  });

  it('reads the signal an event carries for the order workflow', () => {
    expect(
      stripeSignal({
        id: 'evt_9',
        type: 'charge.refunded',
        data: {
          object: {
            id: 'ch_1',
            object: 'charge',
            payment_intent: 'pi_1',
            amount_refunded: 2500,
            currency: 'eur',
          },
        },
      }),
    ).toEqual({
      eventId: 'evt_9',
      type: 'charge.refunded',
      objectId: 'ch_1',
      paymentIntentId: 'pi_1',
      amount: 2500,
      currency: 'EUR',
    });
    expect(
      stripeSignal({ id: 'evt_10', type: 'customer.created', data: { object: { id: 'cus_1' } } }),
    ).toBeUndefined();
  });
});
