import { describe, expect, it } from 'vitest';
import { ChannelStock, StockBuffer, shownQuantity } from '../src/index.ts';

describe('shownQuantity', () => {
  it('shows all of it with no buffer', () => {
    expect(shownQuantity(12)).toBe(12);
    expect(shownQuantity(12, {})).toBe(12);
  });

  it('takes the percentage rounded down, then the hold-back, never below 0', () => {
    expect(shownQuantity(7, { percent: 50 })).toBe(3);
    expect(shownQuantity(10, { percent: 80, holdBack: 2 })).toBe(6);
    expect(shownQuantity(3, { holdBack: 5 })).toBe(0);
    expect(shownQuantity(8, { percent: 12.5 })).toBe(1);
    expect(shownQuantity(5, { percent: 0 })).toBe(0);
  });

  it('stays on integers where floating point would lose a unit', () => {
    // 100 × 0.29 is 28.999999999999996 in floating point; 29 % of 100 is 29.
    expect(Math.floor(100 * 0.29)).toBe(28);
    expect(shownQuantity(100, { percent: 29 })).toBe(29);
    expect(shownQuantity(1000, { percent: 57 })).toBe(570);
  });

  it('counts negative or fractional availability as what it floors to, at least 0', () => {
    expect(shownQuantity(-4, { percent: 50 })).toBe(0);
    expect(shownQuantity(9.8)).toBe(9);
    expect(shownQuantity(Number.NaN)).toBe(0);
  });
});

describe('ChannelStock', () => {
  it('reads a stock section with its defaults', () => {
    const stock = ChannelStock.parse({
      locations: [
        { channelLocation: 'gid://shopify/Location/1', from: ['east-wh', 'west-wh'] },
        { channelLocation: 'gid://shopify/Location/2', from: ['store-soho'] },
      ],
      buffer: { holdBack: 2 },
      systemOfRecord: ['store-soho'],
    });
    expect(stock.buffer).toEqual({ percent: 100, holdBack: 2 });
    expect(ChannelStock.parse({ locations: [{ from: ['east-wh'] }] }).buffer).toBeUndefined();
  });

  it('refuses a figure without channelLocation beside others, and a channel location mapped twice', () => {
    const mixed = ChannelStock.safeParse({
      locations: [{ from: ['a'] }, { channelLocation: '1', from: ['b'] }],
    });
    expect(mixed.success).toBe(false);
    expect(mixed.error?.issues[0]?.message).toMatch(/must be the only entry/);
    const twice = ChannelStock.safeParse({
      locations: [
        { channelLocation: '1', from: ['a'] },
        { channelLocation: '1', from: ['b'] },
      ],
    });
    expect(twice.error?.issues[0]).toMatchObject({ path: ['locations', 1, 'channelLocation'] });
  });

  it('checks the buffer figures', () => {
    expect(StockBuffer.safeParse({ percent: 101 }).success).toBe(false);
    expect(StockBuffer.safeParse({ percent: 12.345 }).success).toBe(false);
    expect(StockBuffer.safeParse({ holdBack: 1.5 }).success).toBe(false);
    expect(StockBuffer.safeParse({ holdBack: -1 }).success).toBe(false);
    expect(StockBuffer.safeParse({ percent: 33.33 }).success).toBe(true);
    expect(ChannelStock.safeParse({ locations: [{ from: [] }] }).success).toBe(false);
    expect(ChannelStock.safeParse({ locations: [{ from: ['a'] }], extra: 1 }).success).toBe(false);
  });
});
