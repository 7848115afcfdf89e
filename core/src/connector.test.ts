import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, mediaType } from './connector.ts';

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
