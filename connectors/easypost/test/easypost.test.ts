import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectorContract } from '@switchyard/core/testing';
import { describe, expect, it } from 'vitest';
import { easypost, easypostSignature, trackingSignal } from '../src/index.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// A secret with a composed "é": EasyPost keys the HMAC with its NFKD form.
const secrets = { apiKey: 'EZTK_connector_0123456789', webhookSecret: 's\u00e9cret-ship' };

connectorContract({
  connector: easypost,
  settings: {},
  secrets,
  sign: (body, s) => ({ 'x-hmac-signature': easypostSignature(s.webhookSecret!, body) }),
  payloads: [
    {
      name: 'tracker.updated in transit (weight written 136.0)',
      body: { file: here('fixtures/tracker-updated.json') },
      golden: here('golden/tracker-updated.json'),
    },
    {
      name: 'tracker.updated delivered',
      body: { file: here('fixtures/tracker-delivered.json') },
      golden: here('golden/tracker-delivered.json'),
    },
    {
      name: 'batch.created, an event the hub does not use',
      body: { file: here('fixtures/batch-created.json') },
      golden: here('golden/batch-created.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '{"description":"tracker.updated","object":"Event","result":{' },
    { name: 'JSON that is not an event', body: '{"id":"trk_1","object":"Tracker"}' },
  ],
});

describe('EasyPost webhooks', () => {
  const context = {
    tenantId: 't',
    connectionId: 'shipping',
    settings: easypost.settings.parse({}),
    secrets: easypost.secrets.parse(secrets),
    now: () => new Date(),
  };
  const raw = new Uint8Array(readFileSync(here('fixtures/tracker-updated.json')));
  const request = (body: Uint8Array, signature: string) => ({
    method: 'POST',
    path: '/webhooks/shipping',
    headers: { 'x-hmac-signature': signature },
    body,
    contentType: 'application/json',
    receivedAt: new Date(),
  });

  it('keys the HMAC with the NFKD form of the secret, so either spelling of é verifies', () => {
    const decomposed = easypostSignature('se\u0301cret-ship', raw);
    expect(decomposed).toBe(easypostSignature(secrets.webhookSecret, raw));
    expect(easypost.webhook!.verify(request(raw, decomposed), context)).toEqual({ ok: true });
  });

  it('verifies the raw bytes: the same event re-serialized (136.0 becomes 136) does not verify', () => {
    const signature = easypostSignature(secrets.webhookSecret, raw);
    const reserialized = new Uint8Array(Buffer.from(JSON.stringify(JSON.parse(Buffer.from(raw).toString()))));
    expect(Buffer.from(reserialized).toString()).toContain('"weight":136,');
    expect(easypost.webhook!.verify(request(reserialized, signature), context)).toEqual({
      ok: false,
      reason: 'X-Hmac-Signature does not match the body signed with the webhook secret',
    });
  });

  it('reads the tracking signal for the order workflow', () => {
    expect(trackingSignal(JSON.parse(Buffer.from(raw).toString()))).toEqual({
      eventId: 'evt_8d1f0c2a4b3e11f0a1b2c3d4e5f60001',
      trackerId: 'trk_demo0001',
      trackingCode: '9400100110368068953228',
      carrier: 'USPS',
      status: 'in_transit',
      statusDetail: 'arrived_at_facility',
      shipmentId: 'shp_demo0001',
      estimatedDelivery: '2026-11-24T00:00:00Z',
    });
  });
});
