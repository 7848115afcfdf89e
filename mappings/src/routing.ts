import { z } from 'zod';
import { coordinatesOf, DistanceTable, distanceKm, type LatLon } from './distance.ts';
import { LocationId, type StockLocation } from './locations.ts';
import {
  allocate,
  type Cover,
  covers,
  demandOf,
  fewestCover,
  linesHeld,
  type RoutingLine,
  type Stocked,
  shortfall,
  unitsHeld,
} from './routing-cover.ts';
import { explainCandidates, setScore, summarize } from './routing-explain.ts';
import { compareScores, listed, type Score, type Terms, termsFor } from './routing-words.ts';

/**
 * Order routing (distributed order management): which of a merchant's stock locations ship an order, in how
 * many shipments, and what waits or is cancelled when stock is short. Pure and deterministic: the same input
 * gives the same decision, word for word. The rules, in order:
 *   1. candidates: locations allowed for the channel (their `channels`, the rules' `locations`) that ship to
 *      the destination country; a rejected location keeps its reason;
 *   2. one location with every line in full (any location, `partial` or not);
 *   3. else the fewest shipments, from locations that may ship part of an order (`partial: true`), a line
 *      split across two of them only when no one of the set has it all;
 *   4. ties: lower cost per shipment (one currency only), higher priority, nearer, then id;
 *   5. short even together: the `backorder` policy decides (hold, ship what is available, cancel the rest).
 */

export const RoutingRules = z
  .object({
    /** When the allowed locations together lack stock: hold the order, ship what exists, or cancel the rest. */
    backorder: z.enum(['hold', 'ship-available', 'cancel-line']).default('hold'),
    /** The only locations this channel may use (each location's own `channels` applies as well). */
    locations: z.array(LocationId).min(1, 'list at least one location, or leave locations out').optional(),
    /** The merchant's own coordinates by country or postal-code prefix, consulted before the shipped table. */
    distances: DistanceTable.optional(),
  })
  .strict();
export type RoutingRules = z.output<typeof RoutingRules>;

export type { RoutingLine } from './routing-cover.ts';

export interface RoutingInput {
  /** The connection id of the channel the order came from. */
  channel: string;
  destination: { country: string; postalCode?: string };
  lines: readonly RoutingLine[];
  /** The tenant's locations. */
  locations: readonly StockLocation[];
  /** Units available to promise of a SKU at a location (fractional figures floor; negative ones count as 0). */
  available(sku: string, locationId: string): number;
  rules: RoutingRules;
}

export type RoutingOutcome =
  | 'single'
  | 'split'
  | 'backordered'
  | 'partial'
  | 'lines-cancelled'
  | 'unroutable';

export interface RoutedShipment {
  locationId: string;
  lines: RoutingLine[];
}

export interface RoutingCandidate {
  locationId: string;
  verdict: 'chosen' | 'rejected' | 'passed-over';
  reasons: string[];
  /** Whole kilometres from the destination, when both places have known coordinates. */
  distanceKm?: number;
  /** Units of the order it could supply. */
  has: number;
}

export interface RoutingDecision {
  outcome: RoutingOutcome;
  /** Best-ranked location first. */
  shipments: RoutedShipment[];
  /**
   * Units that wait, to be routed again later: what no allowed location has (ship-available), the whole order
   * when it is held (hold) or unroutable. Shipments, backordered and cancelled together are the whole order.
   */
  backordered: RoutingLine[];
  /** Units cancelled for lack of stock (backorder policy "cancel-line"). */
  cancelled: RoutingLine[];
  /** Every location of the tenant: chosen first (in shipment order), then passed over by rank, then rejected. */
  candidates: RoutingCandidate[];
  /** One sentence for the order's timeline. */
  summary: string;
}

/** A location as routing sees it for this order. */
export interface Assessed extends Stocked {
  location: StockLocation;
  rejected: string[];
  distanceKm: number | undefined;
  has: number;
  /** Lines it has in full. */
  full: number;
  score: Score;
}

export interface Plan {
  outcome: RoutingOutcome;
  shipments: { member: Assessed; lines: RoutingLine[] }[];
  /** Every unit not shipped: backordered, or cancelled by the cancel-line policy. */
  rest: RoutingLine[];
  /** The units no allowed location has (for the words; under hold, `rest` is the whole order). */
  lacking: RoutingLine[];
  /** Candidates that have the whole order (outcome single). */
  whole: Assessed[];
  cover: Cover<Assessed> | undefined;
}

export interface Context {
  input: RoutingInput;
  lines: RoutingLine[];
  units: number;
  terms: Terms;
}

export function routeOrder(input: RoutingInput): RoutingDecision {
  const lines = input.lines
    .map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: wholeUnits(l.quantity) }))
    .filter((l) => l.quantity > 0);
  const destination = coordinatesOf(input.destination, input.rules.distances);
  const all = input.locations.map((location) => assess(location, input, lines, destination));
  const candidates = all.filter((a) => a.rejected.length === 0);
  const terms = termsFor(candidates.map((c) => c.location.costPerShipment));
  const rank = (a: Assessed, b: Assessed) => compareScores(a.score, b.score, terms);
  candidates.sort(rank);
  const context: Context = { input, lines, units: lines.reduce((n, l) => n + l.quantity, 0), terms };
  const plan =
    candidates.length && lines.length
      ? planOrder(lines, candidates, input.rules.backorder, terms)
      : unroutable(lines);
  const backorders = plan.outcome !== 'lines-cancelled';
  return {
    outcome: plan.outcome,
    shipments: plan.shipments.map((s) => ({ locationId: s.member.id, lines: s.lines })),
    backordered: backorders ? plan.rest : [],
    cancelled: backorders ? [] : plan.rest,
    candidates: explainCandidates(plan, all.sort(rank), context),
    summary: summarize(plan, context),
  };
}

function assess(
  location: StockLocation,
  input: RoutingInput,
  lines: readonly RoutingLine[],
  destination: LatLon | undefined,
): Assessed {
  const stock = new Map<string, number>();
  for (const sku of new Set(lines.map((l) => l.sku))) {
    stock.set(sku, wholeUnits(input.available(sku, location.id)));
  }
  const at = coordinatesOf(
    { country: location.address.country, postalCode: location.address.zip },
    input.rules.distances,
  );
  const km = destination && at ? Math.round(distanceKm(destination, at)) : undefined;
  const held: Stocked = { id: location.id, stock };
  return {
    ...held,
    location,
    rejected: rejections(location, input),
    distanceKm: km,
    has: unitsHeld(held, demandOf(lines)),
    full: linesHeld(held, lines),
    score: {
      id: location.id,
      cost: location.costPerShipment?.amount ?? 0,
      priority: location.priority,
      distanceKm: km,
      size: 1,
    },
  };
}

/** A count as routing uses it: whole units, at least 0 (NaN, negative and fractional figures floor). */
const wholeUnits = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

/** Why a location may not take this order at all, in words; empty when it may. */
function rejections(location: StockLocation, input: RoutingInput): string[] {
  const reasons: string[] = [];
  const country = input.destination.country.trim().toUpperCase();
  if (location.channels && !location.channels.includes(input.channel)) {
    reasons.push(
      location.channels.length
        ? `ships only for ${listed(location.channels)}, not for ${input.channel}`
        : 'ships for no channel (its channels list is empty)',
    );
  }
  const allowed = input.rules.locations;
  if (allowed && !allowed.includes(location.id)) {
    reasons.push(`not among the locations ${input.channel}'s routing rules allow (${listed(allowed)})`);
  }
  if (location.countries && !location.countries.includes(country)) {
    reasons.push(`does not ship to ${country} (ships to ${listed(location.countries)})`);
  }
  return reasons;
}

function planOrder(
  lines: RoutingLine[],
  candidates: Assessed[],
  policy: RoutingRules['backorder'],
  terms: Terms,
): Plan {
  const demand = demandOf(lines);
  const whole = candidates.filter((c) => covers([c], demand));
  if (whole[0]) return planOf('single', { shipments: [{ member: whole[0], lines }], whole });
  const pool = candidates.filter((c) => c.location.partial && c.has > 0);
  const better = (a: readonly Assessed[], b: readonly Assessed[]) =>
    compareScores(setScore(a), setScore(b), terms);
  const cover = fewestCover(pool, demand, better);
  if (cover) return planOf('split', { shipments: allocate(lines, cover.members), cover });
  const { shippable, short } = shortfall(lines, pool);
  // Held: nothing ships, so the whole order waits (and is routed again whole); the words name what is short.
  if (policy === 'hold') return planOf('backordered', { rest: lines, lacking: short });
  const available = shippable.length ? fewestCover(pool, demandOf(shippable), better) : undefined;
  const shipments = available ? allocate(shippable, available.members) : [];
  const outcome = policy === 'cancel-line' ? 'lines-cancelled' : shipments.length ? 'partial' : 'backordered';
  return planOf(outcome, { shipments, rest: short, lacking: short, cover: available });
}

const planOf = (outcome: RoutingOutcome, parts: Partial<Omit<Plan, 'outcome'>>): Plan => ({
  outcome,
  shipments: [],
  rest: [],
  lacking: [],
  whole: [],
  cover: undefined,
  ...parts,
});

/** No location may take the order: all of it waits for the configuration to change. */
function unroutable(lines: RoutingLine[]): Plan {
  return planOf('unroutable', { rest: lines });
}
