import type { Address } from './order.ts';

type Text = string | null | undefined;

const present = (v: Text): v is string => typeof v === 'string' && v.trim() !== '';

/** A person's name from its parts as vendors split it (first, last; sometimes middle), or undefined. */
export function personName(...parts: Text[]): string | undefined {
  const name = parts.filter(present).join(' ');
  return name || undefined;
}

/**
 * A canonical address from a vendor's fields, as every channel's mapper writes it: empty and missing fields
 * left out, the country code upper-cased ("us" → "US"), and undefined when nothing is left (a digital order
 * without a shipping address). Values are kept as sent otherwise: an address is the buyer's text.
 */
export function addressOf(fields: { [K in keyof Address]?: Text }): Address | undefined {
  const out: Address = {};
  for (const [key, value] of Object.entries(fields) as [keyof Address, Text][]) {
    if (present(value)) out[key] = key === 'country' ? value.toUpperCase() : value;
  }
  return Object.keys(out).length ? out : undefined;
}
