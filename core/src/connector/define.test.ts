import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, type FileIntake, fileIntakeOf, mediaType } from './index.ts';

const base = {
  title: 'T',
  settings: z.object({}),
  secrets: z.object({}),
  normalize: () => ({ orders: [] }),
};
const webhook = {
  contentTypes: ['application/json'],
  verify: () => ({ ok: true as const }),
  dedupeKey: () => undefined,
};
async function* pages() {
  yield { records: [], cursor: null };
}

describe('defineConnector', () => {
  it('accepts a declaration whose capabilities match its methods', () => {
    const c = defineConnector({
      ...base,
      id: 'shop-x',
      capabilities: ['orders.webhook', 'orders.pull'],
      webhook,
      pull: pages,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('refuses a capability without its method, and a method without its capability', () => {
    expect(() => defineConnector({ ...base, id: 'a', capabilities: ['orders.webhook'] })).toThrow(
      'declares orders.webhook but has no webhook',
    );
    expect(() => defineConnector({ ...base, id: 'b', capabilities: ['orders.pull'] })).toThrow(
      'declares orders.pull but has no pull',
    );
    expect(() =>
      defineConnector({ ...base, id: 'c', capabilities: ['orders.webhook'], webhook, pull: pages }),
    ).toThrow('has pull but does not declare orders.pull');
    expect(() =>
      defineConnector({
        ...base,
        id: 'd',
        capabilities: ['orders.webhook'],
        webhook,
        actions: { pushFulfillment: async () => ({}) },
      }),
    ).toThrow('does not declare fulfillment.push');
  });

  it('routes files only to a connector that declares files.inbound, with its file intake', () => {
    const files: FileIntake<unknown, unknown> = {
      contentTypes: ['text/plain'],
      words: { file: 'file', sentAs: 'a file is sent as text/plain', contentType: 'text/plain' },
      inboundToken: () => 'token',
      receive: async () => ({ exceptions: [], answer: { status: 200, body: {} } }),
    };
    expect(() => defineConnector({ ...base, id: 'e', capabilities: ['files.inbound'] })).toThrow(
      'declares files.inbound but has no files',
    );
    expect(() => defineConnector({ ...base, id: 'f', capabilities: [], files })).toThrow(
      'has files but does not declare files.inbound',
    );
    const partner = defineConnector({ ...base, id: 'g', capabilities: ['files.inbound'], files });
    expect(fileIntakeOf(partner)).toBe(files);
    expect(
      fileIntakeOf(defineConnector({ ...base, id: 'h', capabilities: ['orders.webhook'], webhook })),
    ).toBe(undefined);
  });

  it('refuses an id that cannot appear in config', () => {
    expect(() =>
      defineConnector({ ...base, id: 'Shop_X', capabilities: ['orders.webhook'], webhook }),
    ).toThrow(/lower-case words joined by dashes/);
  });
});

describe('mediaType', () => {
  it('keeps the type, lower-cased, without parameters', () => {
    expect(mediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaType(undefined)).toBe('');
  });
});
