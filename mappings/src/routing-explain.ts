import type { Assessed, Context, Plan, RoutingCandidate } from './routing.ts';
import type { RoutingLine } from './routing-cover.ts';
import { EXACT_SEARCH_LIMIT } from './routing-cover.ts';
import { allLines, beats, holdingText, itemsText, listed, losesTo, type Score } from './routing-words.ts';

/**
 * The words of a routing decision: why each location was chosen, passed over or rejected, and the one
 * sentence for the order's timeline.
 */

/** A set ranks by its summed cost and priority, its summed distance (unknown when any is), then its ids. */
export function setScore(members: readonly Assessed[]): Score {
  const known = members.every((m) => m.distanceKm !== undefined);
  return {
    id: members.map((m) => m.id).join(' + '),
    cost: members.reduce((n, m) => n + m.score.cost, 0),
    priority: members.reduce((n, m) => n + m.score.priority, 0),
    distanceKm: known ? members.reduce((n, m) => n + m.distanceKm!, 0) : undefined,
    size: members.length,
  };
}

/** Every location: the chosen in shipment order, then the passed over by rank, then the rejected by rank. */
export function explainCandidates(plan: Plan, ranked: readonly Assessed[], ctx: Context): RoutingCandidate[] {
  const chosen = plan.shipments.map((s) => s.member);
  const passed = ranked.filter((a) => !a.rejected.length && !chosen.includes(a));
  const rejected = ranked.filter((a) => a.rejected.length);
  return [
    ...plan.shipments.map((s) => entry(s.member, 'chosen', chosenReasons(s.member, s.lines, plan, ctx))),
    ...passed.map((a) => entry(a, 'passed-over', passedReasons(a, plan, ctx))),
    ...rejected.map((a) => entry(a, 'rejected', a.rejected)),
  ];
}

function entry(a: Assessed, verdict: RoutingCandidate['verdict'], reasons: string[]): RoutingCandidate {
  return {
    locationId: a.id,
    verdict,
    reasons,
    ...(a.distanceKm !== undefined ? { distanceKm: a.distanceKm } : {}),
    has: a.has,
  };
}

const holding = (a: Assessed, ctx: Context) => holdingText(a, ctx.lines.length, ctx.units);

function chosenReasons(a: Assessed, lines: RoutingLine[], plan: Plan, ctx: Context): string[] {
  const reasons = [holding(a, ctx), `ships ${itemsText(lines)}`];
  const rival = plan.whole[1];
  if (plan.outcome === 'single' && rival) {
    const others = plan.whole.length - 1;
    reasons.push(
      `chosen over ${others === 1 ? 'the other location' : `${others} other locations`} with the whole order: it ${beats(a.score, rival.score, ctx.terms)}`,
    );
  }
  const cover = plan.cover;
  if (cover) {
    const members = cover.members.filter((m) => plan.shipments.some((s) => s.member === m));
    const next = cover.alternatives[0];
    if (next) {
      reasons.push(
        `this set (${setScore(members).id}) ${beats(setScore(members), setScore(next), ctx.terms)}`,
      );
    }
    if (cover.greedy) {
      reasons.push(
        `set chosen greedily: more than ${EXACT_SEARCH_LIMIT} locations could ship part of the order, so fewer shipments may be possible`,
      );
    }
  }
  if (ctx.terms.costNote) reasons.push(ctx.terms.costNote);
  return reasons;
}

function passedReasons(a: Assessed, plan: Plan, ctx: Context): string[] {
  if (!ctx.lines.length) return ['the order has nothing to ship'];
  const best = plan.whole[0];
  if (best && plan.whole.includes(a)) {
    return [`${holding(a, ctx)} too, but ${losesTo(a.score, best.score, ctx.terms)}`];
  }
  const reasons = [holding(a, ctx)];
  if (!a.location.partial && a.full < ctx.lines.length)
    reasons.push('ships only whole orders (partial: false)');
  const chosen = plan.shipments.map((s) => s.member.id);
  if (best) {
    reasons.push(`not needed: ${best.id} has the whole order`);
  } else if (plan.outcome === 'backordered' && !chosen.length && ctx.input.rules.backorder === 'hold') {
    reasons.push('nothing ships while the order is held for stock');
  } else if (a.location.partial && a.has > 0 && plan.cover) {
    reasons.push(setReason(a, plan, chosen, ctx));
  }
  return reasons;
}

function setReason(a: Assessed, plan: Plan, chosen: string[], ctx: Context): string {
  const cover = plan.cover!;
  const size = cover.members.length;
  const alternative = cover.alternatives.find((set) => set.includes(a));
  if (alternative) {
    const partners = alternative.filter((m) => m !== a).map((m) => m.id);
    const lost = losesTo(setScore(alternative), setScore(cover.members), ctx.terms);
    const shipments = size === 1 ? 'in 1 shipment' : `in ${size} shipments with ${listed(partners)}`;
    return `could ship ${shipments} too, but that set ${lost}`;
  }
  const what = plan.outcome === 'split' ? 'the order' : 'what is available';
  return `not needed: ${listed(chosen)} ${chosen.length === 1 ? 'ships' : 'ship'} ${what} in ${shipmentsText(size)}`;
}

const shipmentsText = (n: number) => (n === 1 ? '1 shipment' : `${n} shipments`);

function shipped(plan: Plan): string {
  return plan.shipments.map((s) => `${s.member.id} ships ${itemsText(s.lines)}`).join(', ');
}

/** The sentence on the order's timeline. */
export function summarize(plan: Plan, ctx: Context): string {
  const lineCount = ctx.lines.length;
  const short = itemsText(plan.lacking);
  switch (plan.outcome) {
    case 'unroutable':
      return unroutableSummary(ctx);
    case 'single': {
      const [best, rival] = plan.whole;
      const why = rival ? ` and ${beats(best!.score, rival.score, ctx.terms)}` : '';
      return `One shipment from ${best!.id}: it has ${allLines(lineCount)}${why}`;
    }
    case 'split': {
      const greedy = plan.cover?.greedy ? ' (set chosen greedily among many locations)' : '';
      return `Split into ${plan.shipments.length} shipments: no single location has ${allLines(lineCount)}; ${shipped(plan)}${greedy}`;
    }
    case 'backordered':
      return ctx.input.rules.backorder === 'hold'
        ? `Held for stock: the allowed locations together lack ${short}; nothing ships until it arrives (backorder policy: hold)`
        : `Backordered: no allowed location has any of ${short}; nothing ships yet`;
    case 'partial':
      return `Partly shipped: ${shipped(plan)}; ${short} backordered until stock arrives`;
    case 'lines-cancelled':
      return plan.shipments.length
        ? `Cancelled ${short} for lack of stock; ${shipped(plan)}`
        : `Cancelled every line for lack of stock (${short}); nothing ships`;
  }
}

function unroutableSummary(ctx: Context): string {
  const { input } = ctx;
  if (!ctx.lines.length) return 'Nothing to route: the order has no line with a quantity to ship';
  if (!input.locations.length) return 'Not routed: the tenant has no stock locations; add them to the config';
  const country = input.destination.country.trim().toUpperCase();
  const count = input.locations.length === 1 ? 'the one location' : `the ${input.locations.length} locations`;
  return `Not routed: none of ${count} may ship ${input.channel}'s orders to ${country}; each location says why`;
}
