import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InboundRequest } from '@switchyard/core';
import { connectorContract } from '@switchyard/core/testing';
import { describe, expect, it } from 'vitest';
import { booksChanges, IGNORED, quickbooks } from '../src/index.ts';
import { cloudEvent, intuitSignature } from './fakes/index.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const settings = { clientId: 'ABclient0123456789' };
const secrets = {
  clientSecret: 'client-secret-0123456789',
  webhookVerifierToken: 'verifier-token-0123456789',
};
const now = new Date('2026-12-05T17:02:15Z');

connectorContract({
  connector: quickbooks,
  settings,
  secrets,
  now,
  sign: (body, s) => ({ 'intuit-signature': intuitSignature(body, s.webhookVerifierToken!) }),
  payloads: [
    {
      name: 'CloudEvents: a payment and an invoice in one company, a customer in another',
      body: { file: here('fixtures/cloudevents-two-companies.json') },
      golden: here('golden/cloudevents-two-companies.json'),
    },
    {
      name: 'the legacy eventNotifications body',
      body: { file: here('fixtures/legacy-two-entities.json') },
      golden: here('golden/legacy-two-entities.json'),
    },
  ],
  malformed: [
    { name: 'truncated JSON', body: '[{"specversion":"1.0","id":"e1","type":"qbo.payment.created.v1"' },
    { name: 'JSON that is neither shape', body: '{"id":"evt_1","object":"event"}' },
  ],
});

const request = (body: string, headers: Record<string, string> = {}): InboundRequest => ({
  method: 'POST',
  path: '/webhooks/qbo',
  headers: { 'content-type': 'application/json', ...headers },
  body: new Uint8Array(Buffer.from(body)),
  contentType: 'application/json',
  receivedAt: now,
});
const context = {
  tenantId: 't',
  connectionId: 'qbo',
  settings: quickbooks.settings.parse(settings),
  secrets: quickbooks.secrets.parse(secrets),
  now: () => now,
};

describe('QuickBooks webhooks', () => {
  it('accepts the signature Intuit computes (base64 HMAC-SHA256 of the raw body) and nothing else', () => {
    const body = readFileSync(here('fixtures/cloudevents-two-companies.json'), 'utf8');
    const signature = intuitSignature(body, secrets.webhookVerifierToken);
    expect(quickbooks.webhook!.verify(request(body, { 'intuit-signature': signature }), context)).toEqual({
      ok: true,
    });
    // Re-serialized JSON is other bytes: refused.
    const reserialized = JSON.stringify(JSON.parse(body));
    expect(
      quickbooks.webhook!.verify(request(reserialized, { 'intuit-signature': signature }), context),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match.*webhookVerifierToken/),
    });
    expect(quickbooks.webhook!.verify(request(body), context)).toEqual({
      ok: false,
      reason: 'missing intuit-signature header',
    });
  });

  it('dedupes a delivery on its sorted event ids: the same events in another order are the same delivery', () => {
    const a = cloudEvent({ realm: '1', entity: 'payment', id: '5', operation: 'created', eventId: 'e-a' });
    const b = cloudEvent({ realm: '2', entity: 'invoice', id: '6', operation: 'updated', eventId: 'e-b' });
    const key = (events: object[], space?: number) =>
      quickbooks.webhook!.dedupeKey(request(JSON.stringify(events, null, space)), context);
    expect(key([a, b])).toMatch(/^qbo-events:[A-Za-z0-9_-]{43}$/);
    expect(key([b, a], 2)).toBe(key([a, b]));
    expect(key([a])).not.toBe(key([a, b]));
    expect(quickbooks.webhook!.dedupeKey(request('not json'), context)).toBeUndefined();
  });

  it('answers a delivery ignored (the books watcher reads it), and refuses a body of neither shape', () => {
    const body = JSON.stringify([
      cloudEvent({ realm: '1', entity: 'invoice', id: '5', operation: 'updated' }),
    ]);
    expect(quickbooks.normalize(request(body), context)).toEqual({ orders: [], ignored: IGNORED });
    expect(() => quickbooks.normalize(request('{"hello":1}'), context)).toThrow(
      /not a QuickBooks webhook delivery/,
    );
  });

  it('declares no workflow signal: accounting changes go to the books watcher', () => {
    expect(quickbooks.signal).toBeUndefined();
    expect(quickbooks.capabilities).toEqual(['events.webhook', 'accounting.post']);
    expect(quickbooks.books).toBeDefined();
    expect(quickbooks.authorization).toBeDefined();
  });
});

describe('books.changes', () => {
  const changes = (body: string) => booksChanges({ body: new Uint8Array(Buffer.from(body)) });

  it('reads every company of a CloudEvents delivery', () => {
    const body = readFileSync(here('fixtures/cloudevents-two-companies.json'), 'utf8');
    expect(changes(body)).toEqual([
      {
        eventId: '7b0a63a2-5c3e-4c51-9d0b-2f3c1f9e8a01',
        account: '9341453050298765',
        entity: 'payment',
        id: '412',
        operation: 'created',
        at: '2026-12-05T17:02:11.412Z',
      },
      {
        eventId: '7b0a63a2-5c3e-4c51-9d0b-2f3c1f9e8a02',
        account: '9341453050298765',
        entity: 'invoice',
        id: '130',
        operation: 'updated',
        at: '2026-12-05T17:02:11.498Z',
      },
      {
        eventId: 'c41e09d7-0f6b-4b8e-a7a4-93e1d2b0c7f3',
        account: '4620816365268443220',
        entity: 'customer',
        id: '77',
        operation: 'created',
        at: '2026-12-05T17:02:12.003Z',
      },
    ]);
  });

  it('reads the legacy body, its event id built of realm, entity, id and lastUpdated', () => {
    const body = readFileSync(here('fixtures/legacy-two-entities.json'), 'utf8');
    expect(changes(body)).toEqual([
      {
        eventId: '9341453050298765:payment:412:2026-12-05T17:02:11.000Z',
        account: '9341453050298765',
        entity: 'payment',
        id: '412',
        operation: 'created',
        at: '2026-12-05T17:02:11.000Z',
      },
      {
        eventId: '9341453050298765:invoice:130:2026-12-05T17:02:11.000Z',
        account: '9341453050298765',
        entity: 'invoice',
        id: '130',
        operation: 'updated',
        at: '2026-12-05T17:02:11.000Z',
      },
    ]);
  });

  it.each([
    ['an empty body', ''],
    ['truncated JSON', '[{"id":"e1"'],
    ['a JSON number', '42'],
    ['null', 'null'],
    ['an object of neither shape', '{"eventNotifications":"no"}'],
    [
      'events without ids, types or accounts',
      '[{"type":"qbo.invoice.updated.v1"},{"id":"e","type":"invoice"},null,7,"x"]',
    ],
    [
      'a legacy notification without a realm',
      '{"eventNotifications":[{"dataChangeEvent":{"entities":[{"name":"Invoice","id":"1","operation":"Update"}]}}]}',
    ],
  ])('names nothing, and does not throw, for %s', (_name, body) => {
    expect(changes(body)).toEqual([]);
  });

  it('keeps the good events of a delivery with some bad ones', () => {
    const good = cloudEvent({ realm: '9', entity: 'Invoice', id: '3', operation: 'Voided', eventId: 'ok' });
    expect(changes(JSON.stringify([{ id: 'bad' }, good]))).toEqual([
      { eventId: 'ok', account: '9', entity: 'invoice', id: '3', operation: 'voided', at: good.time },
    ]);
  });
});
