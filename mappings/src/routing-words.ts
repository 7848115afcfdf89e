import { formatMoney } from '@switchyard/core';
import type { RoutingLine } from './routing-cover.ts';

/**
 * How routing ranks locations (and sets of locations) and says why, in the words a merchant reads on the
 * order's timeline. Ranking: lower cost per shipment, then higher priority, then nearer, then id.
 */

/** What a location, or a set of them (sums), is ranked by. Distances are whole kilometres, so ties are exact. */
export interface Score {
  /** Label: a location id, or the ids of a set joined by " + ". */
  id: string;
  /** Minor units of `Terms.currency`; 0 when the location states no cost. */
  cost: number;
  priority: number;
  /** Undefined when the destination or the location has no known coordinates. */
  distanceKm: number | undefined;
  /** How many locations: wording differs for a set. */
  size: number;
}

export interface Terms {
  /** False when locations price shipments in several currencies: cost is then not compared. */
  compareCost: boolean;
  /** The one currency costs are stated in, when any is. */
  currency: string | undefined;
  /** Said on the chosen locations when costs could not be compared. */
  costNote: string | undefined;
}

export function termsFor(costs: readonly ({ currency: string } | undefined)[]): Terms {
  const currencies = [...new Set(costs.flatMap((c) => (c ? [c.currency] : [])))].sort();
  if (currencies.length > 1) {
    const note = `costs per shipment not compared: the locations state them in ${listed(currencies)}`;
    return { compareCost: false, currency: undefined, costNote: note };
  }
  return { compareCost: true, currency: currencies[0], costNote: undefined };
}

const compareDistance = (a: number | undefined, b: number | undefined) =>
  a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : a - b;

/** Negative when `a` ranks before `b`. Never 0 for two different ids: the same input, the same order. */
export function compareScores(a: Score, b: Score, terms: Terms): number {
  return (
    (terms.compareCost ? a.cost - b.cost : 0) ||
    b.priority - a.priority ||
    compareDistance(a.distanceKm, b.distanceKm) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** The criterion on which `loser` ranks after `winner`, from the loser's side ("costs 5.00 USD more ..."). */
export function losesTo(loser: Score, winner: Score, terms: Terms): string {
  const them = winner.id;
  if (terms.compareCost && loser.cost !== winner.cost) {
    return `costs ${moneyText(loser.cost - winner.cost, terms)} more ${perShipment(loser)} than ${them}`;
  }
  if (loser.priority !== winner.priority) {
    return `${priorityText(loser)} ${loser.priority}, lower than ${them}'s ${winner.priority}`;
  }
  if (compareDistance(loser.distanceKm, winner.distanceKm) !== 0) {
    if (loser.distanceKm === undefined) {
      return `its distance is unknown (no coordinates for its address), ${them} is ${km(winner.distanceKm!)} away`;
    }
    return `${km(loser.distanceKm - winner.distanceKm!)} farther than ${them}`;
  }
  return `ties with ${them} on cost, priority and distance; ${them} comes first by id`;
}

/** The same comparison from the winner's side ("costs 5.00 USD less per shipment than west-wh"). */
export function beats(winner: Score, loser: Score, terms: Terms): string {
  const them = loser.id;
  if (terms.compareCost && loser.cost !== winner.cost) {
    return `costs ${moneyText(loser.cost - winner.cost, terms)} less ${perShipment(winner)} than ${them}`;
  }
  if (loser.priority !== winner.priority) {
    return `${priorityText(winner)} ${winner.priority}, higher than ${them}'s ${loser.priority}`;
  }
  if (compareDistance(winner.distanceKm, loser.distanceKm) !== 0) {
    if (loser.distanceKm === undefined)
      return `is ${km(winner.distanceKm!)} away; ${them}'s distance is unknown`;
    return `is ${km(loser.distanceKm - winner.distanceKm!)} nearer than ${them}`;
  }
  return `ties with ${them} on cost, priority and distance and comes first by id`;
}

const perShipment = (s: Score) => (s.size > 1 ? 'in shipments' : 'per shipment');
const priorityText = (s: Score) => (s.size > 1 ? 'has priorities adding up to' : 'has priority');

function moneyText(amount: number, terms: Terms): string {
  const currency = terms.currency;
  return currency ? `${formatMoney({ amount, currency })} ${currency}` : `${amount} minor units`;
}

/** "1,200 km": grouped by hand, so the text does not depend on the machine's locale. */
export function km(n: number): string {
  return `${String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} km`;
}

/** "a, b and c". */
export function listed(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export const linesText = (n: number) => (n === 1 ? '1 line' : `${n} lines`);

/** "the whole order" (one line), "both lines", "all 3 lines". */
export const allLines = (n: number) =>
  n === 1 ? 'the whole order' : n === 2 ? 'both lines' : `all ${n} lines`;

/** "SKU-A ×2 and SKU-B ×1": units per SKU, in the order the lines come. */
export function itemsText(lines: readonly RoutingLine[]): string {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  return listed([...units].map(([sku, n]) => `${sku} ×${n}`));
}

/** "has 2 of 3 lines (5 of 7 units)", "has all 3 lines", "has none of the order". */
export function holdingText(held: { full: number; has: number }, lineCount: number, units: number): string {
  if (held.full === lineCount) return `has ${allLines(lineCount)}`;
  if (held.has === 0) return 'has none of the order';
  return `has ${held.full} of ${linesText(lineCount)} (${held.has} of ${units} units)`;
}
