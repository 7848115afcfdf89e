import { type ActionContext, isPermanent, type Order } from '@switchyard/core';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { easypost } from '../src/index.ts';
import { fakeEasyPost } from './fakes/easypost.ts';

/** EasyPost's shipping actions with the real `@easypost/api` client against the fake API. */
const apiKey = 'EZTK_actions_0123456789';
const fake = fakeEasyPost(apiKey);
const server = setupServer(...fake.handlers);
const settings = easypost.settings.parse({});
const secrets = easypost.secrets.parse({ apiKey, webhookSecret: 'ep-secret' });
const actions = easypost.actions!;
const context = (idempotencyKey: string, key = apiKey) =>
  ({
    tenantId: 'acme',
    connectionId: 'shipping',
    settings,
    secrets: { ...secrets, apiKey: key },
    now: () => new Date(),
    idempotencyKey,
    signal: new AbortController().signal,
  }) as ActionContext<typeof settings, typeof secrets>;

const from = {
  company: 'Acme Warehouse',
  street1: '388 Townsend St',
  city: 'San Francisco',
  state: 'CA',
  zip: '94107',
  country: 'US',
  phone: '4155550100',
};
const to = {
  name: 'Elizabeth Swan',
  street1: '179 N Harbor Dr',
  city: 'Redondo Beach',
  state: 'CA',
  zip: '90277',
  country: 'US',
};
const input = {
  order: { id: 'ord_1' } as Order,
  from,
  to,
  parcel: { weightGrams: 1000, lengthMm: 300, widthMm: 200, heightMm: 100 },
  reference: 'order:ord_1/create-shipment',
};

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  fake.calls.length = 0;
});

describe('EasyPost shipping actions', () => {
  it('creates a shipment in EasyPost’s units and returns its rates in minor units', async () => {
    const { shipmentId, rates } = await actions.createShipment!(
      context('order:ord_1/create-shipment'),
      input,
    );
    const sent = fake.calls[0]!.body!.shipment;
    // 1,000 g is 35.27 oz, rounded up to a tenth; 300 × 200 × 100 mm in inches.
    expect(sent.parcel).toEqual({ weight: 35.3, length: 11.9, width: 7.9, height: 4 });
    expect(sent.reference).toBe('order:ord_1/create-shipment');
    expect(shipmentId).toMatch(/^shp_/);
    expect(rates).toHaveLength(4);
    expect(rates[0]).toMatchObject({ carrier: 'USPS', service: 'GroundAdvantage', deliveryDays: 4 });
    expect(rates[0]!.price).toEqual({ amount: 696, currency: 'USD' });
  });

  it('buys a label once: a retried step reads the shipment and returns the label it already has', async () => {
    const { shipmentId, rates } = await actions.createShipment!(
      context('order:ord_2/create-shipment'),
      input,
    );
    const rateId = rates.find((r) => r.service === 'Priority')!.rateId;
    const first = await actions.buyLabel!(context('order:ord_2/buy-label'), { shipmentId, rateId });
    const again = await actions.buyLabel!(context('order:ord_2/buy-label'), { shipmentId, rateId });
    expect(first).toMatchObject({ shipmentId, carrier: 'USPS', service: 'Priority', alreadyBought: false });
    expect(first.trackingCode).toMatch(/^9400/);
    expect(first.labelUrl).toMatch(/\.pdf$/);
    expect(again).toEqual({ ...first, alreadyBought: true });
    expect(fake.purchases.filter((p) => p === shipmentId)).toHaveLength(1);
  });

  it('a purchase whose answer was lost is found on the shipment, not bought again', async () => {
    const { shipmentId, rates } = await actions.createShipment!(
      context('order:ord_3/create-shipment'),
      input,
    );
    fake.loseNextBuyAnswer = true;
    const label = await actions.buyLabel!(context('order:ord_3/buy-label'), {
      shipmentId,
      rateId: rates[0]!.rateId,
    });
    expect(label).toMatchObject({ shipmentId, alreadyBought: true });
    expect(fake.purchases.filter((p) => p === shipmentId)).toHaveLength(1);
  });

  it('voids a label once, and says when there is none', async () => {
    const { shipmentId, rates } = await actions.createShipment!(
      context('order:ord_4/create-shipment'),
      input,
    );
    expect(await actions.voidLabel!(context('order:ord_4/void-label'), { shipmentId })).toEqual({
      status: 'no-label',
    });
    await actions.buyLabel!(context('order:ord_4/buy-label'), { shipmentId, rateId: rates[0]!.rateId });
    expect(await actions.voidLabel!(context('order:ord_4/void-label'), { shipmentId })).toEqual({
      status: 'submitted',
    });
    expect(await actions.voidLabel!(context('order:ord_4/void-label'), { shipmentId })).toEqual({
      status: 'submitted',
    });
    expect(fake.calls.filter((c) => c.path.endsWith('/refund'))).toHaveLength(1);
  });

  it('refuses for good an address the carrier cannot serve, and a wrong key', async () => {
    fake.refuseNextAddress = 'Address not found';
    const refused = await actions.createShipment!(context('order:ord_5/create-shipment'), input).catch(
      (e: unknown) => e,
    );
    expect(isPermanent(refused)).toBe(true);
    expect((refused as Error).message).toMatch(
      /EasyPost shipment failed: .*\(ADDRESS.VERIFY.FAILURE\) — street1: Address not found/,
    );
    const denied = await actions.createShipment!(
      context('order:ord_5/create-shipment', 'EZTK_wrong_000000'),
      input,
    ).catch((e: unknown) => e);
    expect(isPermanent(denied)).toBe(true);
    expect((denied as Error).message).toBe(
      'EasyPost refused the API key for the shipment: check secrets.apiKey',
    );
  });

  it('never puts the API key in an error, even when EasyPost’s message quotes it', async () => {
    server.use(
      http.post(
        'https://api.easypost.com/v2/shipments',
        () =>
          HttpResponse.json(
            {
              error: { code: 'PARAMETER.INVALID', message: `Invalid request for key ${apiKey}`, errors: [] },
            },
            { status: 422 },
          ),
        { once: true },
      ),
    );
    const refused = await actions.createShipment!(context('order:ord_6/create-shipment'), input).catch(
      (e: unknown) => e,
    );
    expect(isPermanent(refused)).toBe(true);
    expect((refused as Error).message).toBe(
      'EasyPost shipment failed: Invalid request for key [redacted] (PARAMETER.INVALID)',
    );
  });
});
