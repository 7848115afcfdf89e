import type { ShippingRate } from '@switchyard/core';
import { z } from 'zod';

/**
 * Which labels a channel's shipping method may be bought with. A rule matches the method the customer chose
 * (its code or title, case-insensitively, exactly or by a `/regex/`), then limits carriers, services and the
 * days in transit the merchant promised. The first rule that matches decides; `default` when none does.
 */
export const ShippingRule = z
  .object({
    /** The channel's shipping method: `Standard`, or `/express|next day/i` style patterns written as '/…/'. */
    method: z.string().min(1),
    /** Carriers allowed (EasyPost's names: USPS, UPS, FedEx…); all when absent. */
    carriers: z.array(z.string().min(1)).min(1).optional(),
    /** Services allowed (`Priority`, `Ground`…); all when absent. */
    services: z.array(z.string().min(1)).min(1).optional(),
    /** Business days in transit promised to the customer: slower rates are out. */
    maxDays: z.number().int().min(1).max(60).optional(),
  })
  .strict();
export type ShippingRule = z.infer<typeof ShippingRule>;

export const ShippingRules = z
  .object({
    rules: z.array(ShippingRule).default([]),
    /** For a method no rule matches; without it such an order stops for an operator. */
    default: ShippingRule.omit({ method: true }).optional(),
  })
  .strict();
export type ShippingRules = z.infer<typeof ShippingRules>;

export type RateChoice = { ok: true; rate: ShippingRate; rule: string } | { ok: false; reason: string };

const matches = (pattern: string, method: { code?: string; title?: string }) => {
  const names = [method.code, method.title].filter((n): n is string => !!n);
  const regex = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (regex) {
    const re = new RegExp(regex[1]!, regex[2]!.includes('i') ? regex[2] : `${regex[2]}i`);
    return names.some((n) => re.test(n));
  }
  return names.some((n) => n.toLowerCase() === pattern.toLowerCase());
};

/**
 * The cheapest rate the rules allow for the method; ties go to the faster, then to the carrier and service
 * in alphabetical order, so the same rates always give the same choice. A rate without a transit time is
 * out when the rule promises days. Nothing allowed is an answer with the reason, never a guess.
 */
export function chooseRate(
  rates: readonly ShippingRate[],
  method: { code?: string; title?: string },
  rules: ShippingRules,
): RateChoice {
  const rule = rules.rules.find((r) => matches(r.method, method));
  const limits = rule ?? rules.default;
  const name = rule ? `rule for "${rule.method}"` : 'default rule';
  const described = method.title ?? method.code ?? 'no shipping method';
  if (!limits) {
    return {
      ok: false,
      reason: `no shipping rule matches "${described}" and there is no default: add one to the shipping rules`,
    };
  }
  const inSet = (value: string, allowed?: string[]) =>
    !allowed || allowed.some((a) => a.toLowerCase() === value.toLowerCase());
  const allowed = rates.filter(
    (r) =>
      inSet(r.carrier, limits.carriers) &&
      inSet(r.service, limits.services) &&
      (limits.maxDays === undefined || (r.deliveryDays !== undefined && r.deliveryDays <= limits.maxDays)),
  );
  const currencies = new Set(allowed.map((r) => r.price.currency));
  if (currencies.size > 1) {
    return {
      ok: false,
      reason: `rates come in several currencies (${[...currencies].join(', ')}): cannot compare them`,
    };
  }
  const [best] = [...allowed].sort(
    (a, b) =>
      a.price.amount - b.price.amount ||
      (a.deliveryDays ?? 99) - (b.deliveryDays ?? 99) ||
      a.carrier.localeCompare(b.carrier) ||
      a.service.localeCompare(b.service),
  );
  if (!best) {
    const limit = [
      limits.carriers ? `carriers ${limits.carriers.join('/')}` : '',
      limits.services ? `services ${limits.services.join('/')}` : '',
      limits.maxDays !== undefined ? `at most ${limits.maxDays} days` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const offered =
      rates.map((r) => `${r.carrier} ${r.service} (${r.deliveryDays ?? '?'} d)`).join(', ') || 'none';
    return {
      ok: false,
      reason: `no rate for "${described}" fits the ${name} (${limit}); offered: ${offered}`,
    };
  }
  return { ok: true, rate: best, rule: name };
}
