import { createStep } from '../step.ts';

/**
 * `record-<key>`: an event on the order's timeline as a step of its own, for what no vendor step precedes
 * (tracking news, invoice events, the order's close). Keyed by the step: written once.
 */
export const recordOnTimeline = createStep({
  invoke: (input: { key: string; orderId: string; type: string; data: Record<string, unknown> }, s) =>
    s.record(input.orderId, input.type, input.data),
  key: ({ key }) => `record-${key}`,
});
