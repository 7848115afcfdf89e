import { z } from 'zod';

/**
 * The main chain of an order's life. It only moves forward (a channel may report
 * several steps at once, so a forward jump is legal); hold and cancel are side
 * branches; closed is final.
 */
const MAIN_CHAIN = [
  'placed',
  'accepted',
  'in_fulfillment',
  'partially_shipped',
  'shipped',
  'delivered',
] as const;

export const OrderStatus = z.enum([...MAIN_CHAIN, 'cancelled', 'on_hold', 'closed']);
export type OrderStatus = z.infer<typeof OrderStatus>;

const OPEN: OrderStatus[] = ['placed', 'accepted', 'in_fulfillment', 'partially_shipped'];

/** The legal status changes. */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  placed: [...MAIN_CHAIN.slice(1), 'on_hold', 'cancelled'],
  accepted: [...MAIN_CHAIN.slice(2), 'on_hold', 'cancelled'],
  in_fulfillment: [...MAIN_CHAIN.slice(3), 'on_hold', 'cancelled'],
  partially_shipped: [...MAIN_CHAIN.slice(4), 'on_hold', 'cancelled'],
  shipped: ['delivered', 'closed'],
  delivered: ['closed'],
  on_hold: [...OPEN, 'cancelled'],
  cancelled: ['closed'],
  closed: [],
};

export class TransitionError extends Error {
  override name = 'TransitionError';
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    const allowed = TRANSITIONS[from];
    super(
      `an order cannot go from "${from}" to "${to}"; from "${from}" it may go to ${
        allowed.length ? allowed.map((s) => `"${s}"`).join(', ') : 'nothing (it is final)'
      }`,
    );
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new TransitionError(from, to);
}
