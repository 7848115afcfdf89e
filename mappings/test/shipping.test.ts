import type { ShippingRate } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { chooseRate, ShippingRules } from '../src/index.ts';

const rate = (carrier: string, service: string, amount: number, deliveryDays?: number): ShippingRate => ({
  rateId: `rate_${carrier}_${service}`,
  carrier,
  service,
  price: { amount, currency: 'USD' },
  ...(deliveryDays !== undefined ? { deliveryDays } : {}),
});
const rates = [
  rate('USPS', 'GroundAdvantage', 696, 4),
  rate('USPS', 'Priority', 1066, 2),
  rate('UPS', 'Ground', 1151, 3),
  rate('UPS', 'NextDayAir', 3317, 1),
  rate('FedEx', 'Ground', 696, 3),
];
const rules = ShippingRules.parse({
  rules: [
    { method: 'Standard', maxDays: 5 },
    { method: '/express|next.day/', maxDays: 2, carriers: ['USPS', 'UPS'] },
    { method: 'UPS Only', carriers: ['UPS'] },
    { method: 'Overnight', maxDays: 1, carriers: ['FedEx'] },
  ],
});

describe('chooseRate', () => {
  it('takes the cheapest rate within the promised days; a tie goes to the faster', () => {
    expect(chooseRate(rates, { title: 'Standard' }, rules)).toMatchObject({
      ok: true,
      rate: { carrier: 'FedEx', service: 'Ground' },
      rule: 'rule for "Standard"',
    });
  });

  it('matches patterns on the code or the title, case-insensitively, and limits carriers', () => {
    expect(chooseRate(rates, { code: 'EXPRESS-2D', title: 'Fast' }, rules)).toMatchObject({
      ok: true,
      rate: { carrier: 'USPS', service: 'Priority' },
    });
    expect(chooseRate(rates, { title: 'ups only' }, rules)).toMatchObject({
      rate: { carrier: 'UPS', service: 'Ground' },
    });
  });

  it('says why when no rate fits, listing what was offered, and never guesses', () => {
    const none = chooseRate(rates, { title: 'Overnight' }, rules);
    expect(none).toEqual({
      ok: false,
      reason:
        'no rate for "Overnight" fits the rule for "Overnight" (carriers FedEx, at most 1 days); offered: USPS GroundAdvantage (4 d), USPS Priority (2 d), UPS Ground (3 d), UPS NextDayAir (1 d), FedEx Ground (3 d)',
    });
    expect(chooseRate(rates, { title: 'Pigeon' }, rules)).toEqual({
      ok: false,
      reason: 'no shipping rule matches "Pigeon" and there is no default: add one to the shipping rules',
    });
  });

  it('falls back to the default rule, and leaves out rates without a transit time when days are promised', () => {
    const withDefault = ShippingRules.parse({ rules: [], default: { maxDays: 3 } });
    const undated = [rate('USPS', 'Media', 300), rate('UPS', 'Ground', 1151, 3)];
    expect(chooseRate(undated, { title: 'Anything' }, withDefault)).toMatchObject({
      ok: true,
      rate: { carrier: 'UPS' },
      rule: 'default rule',
    });
  });

  it('refuses rates it cannot compare', () => {
    const mixed = [
      rate('USPS', 'Priority', 1000, 2),
      { ...rate('Canada Post', 'Expedited', 900, 2), price: { amount: 900, currency: 'CAD' } },
    ];
    expect(chooseRate(mixed, { title: 'Standard' }, rules)).toEqual({
      ok: false,
      reason: 'rates come in several currencies (USD, CAD): cannot compare them',
    });
  });
});
