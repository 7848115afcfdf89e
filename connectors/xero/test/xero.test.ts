import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mediaType, type StoredPayload } from '@switchyard/core';
import { connectorContract } from '@switchyard/core/testing';
import { describe, expect, it } from 'vitest';
import { xero } from '../src/index.ts';

const fixture = (name: string) => `${import.meta.dirname}/fixtures/${name}.json`;
const golden = (name: string) => `${import.meta.dirname}/golden/${name}.json`;
const settings = { clientId: 'XERO-CLIENT-ID-CONTRACT' };
const secrets = {
  clientSecret: 'xero-client-secret-contract-0123',
  webhookKey: 'xero-webhook-key-contract-0123456789abcdef',
};
const sign = (body: Uint8Array, s: Record<string, string>) => ({
  'x-xero-signature': createHmac('sha256', s.webhookKey!).update(body).digest('base64'),
});

connectorContract({
  connector: xero as never,
  settings,
  secrets,
  sign,
  payloads: [
    {
      name: 'an invoice paid in Xero',
      body: { file: fixture('invoice-paid') },
      golden: golden('invoice-paid'),
    },
    {
      name: 'the intent-to-receive check',
      body: { file: fixture('intent-to-receive') },
      golden: golden('intent-to-receive'),
    },
    {
      name: 'a batch of categories and organisations',
      body: { file: fixture('mixed-batch') },
      golden: golden('mixed-batch'),
    },
  ],
  malformed: [
    { name: 'a body that is not JSON', body: 'events=1' },
    { name: 'JSON without events', body: '{"firstEventSequence":1}' },
  ],
});

const stored = (body: string | Uint8Array, headers: Record<string, string> = {}): StoredPayload => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? new Uint8Array(Buffer.from(body)) : body,
  contentType: mediaType('application/json'),
  receivedAt: new Date('2026-12-20T03:14:08Z'),
});
const context = {
  tenantId: 'merchant',
  connectionId: 'xero-books',
  settings: xero.settings.parse(settings),
  secrets,
  now: () => new Date('2026-12-20T03:14:08Z'),
};
const request = (body: Uint8Array, headers: Record<string, string>) => ({
  ...stored(body, headers),
  method: 'POST',
  path: '/webhooks/xero-books',
});

describe('webhook: the intent-to-receive check', () => {
  const body = new Uint8Array(readFileSync(fixture('intent-to-receive')));

  it('accepts the rightly signed empty delivery (answered 200, nothing to read)', () => {
    expect(xero.webhook!.verify(request(body, sign(body, secrets)), context)).toEqual({ ok: true });
    expect(xero.normalize(stored(body), context)).toEqual({
      orders: [],
      ignored: 'accounting events are read by the books watcher',
    });
    expect(xero.books!.changes(stored(body))).toEqual([]);
  });

  it('refuses the wrongly signed one as a bad signature, never as "not for this connection" (the hub answers 401)', () => {
    const wrong = sign(body, { webhookKey: 'another-webhook-key-0123456789' });
    const verdict = xero.webhook!.verify(request(body, wrong), context);
    expect(verdict).toEqual({
      ok: false,
      reason: 'x-xero-signature does not match the body signed with the webhook key',
    });
    expect(verdict).not.toHaveProperty('status');
  });
});

describe('books.changes', () => {
  it('names each event, keyed by organisation, category, resource, time and type', () => {
    const changes = xero.books!.changes(stored(readFileSync(fixture('mixed-batch'))));
    expect(changes).toEqual([
      {
        eventId:
          '2b7a1c4e-5f3d-4e8a-9b6c-0d1e2f3a4b5c:CREDITNOTE:9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d:2026-12-05T09:30:00.125:CREATE',
        account: '2b7a1c4e-5f3d-4e8a-9b6c-0d1e2f3a4b5c',
        entity: 'creditnote',
        id: '9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        operation: 'create',
        at: '2026-12-05T09:30:00.125Z',
      },
      expect.objectContaining({
        account: '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918',
        entity: 'contact',
        operation: 'update',
      }),
      expect.objectContaining({
        entity: 'invoice',
        id: '5e1b8f0a-3c2d-4e9f-a6b7-8c9d0e1f2a3b',
        at: '2026-12-05T09:30:03.777Z',
      }),
    ]);
  });

  it('never throws: a malformed body or event names nothing', () => {
    expect(xero.books!.changes(stored('not json'))).toEqual([]);
    expect(xero.books!.changes(stored('{"events":[{"resourceId":7},null,"x"]}'))).toEqual([]);
    expect(xero.books!.changes(stored('{"events":"none"}'))).toEqual([]);
  });

  it('dedupes a redelivery of the same events, whatever its sequence numbers and entropy', () => {
    const first = readFileSync(fixture('invoice-paid'), 'utf8');
    const again = first
      .replace('"firstEventSequence":412', '"firstEventSequence":500')
      .replace('QWLK', 'ABCD');
    const key = (text: string) =>
      xero.webhook!.dedupeKey(request(new Uint8Array(Buffer.from(text)), {}), context);
    expect(key(first)).toMatch(/^events:[0-9a-f]{64}$/);
    expect(key(again)).toBe(key(first));
  });
});
