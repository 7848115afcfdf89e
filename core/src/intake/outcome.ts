import { describeError } from '../errors.ts';
import type { OrderDraft } from '../order.ts';
import type { ApplyResult } from '../store/orders.ts';

export type IntakeOutcome =
  | { status: 'accepted'; inboxId: string; orders: ApplyResult[] }
  | { status: 'ignored'; inboxId: string; reason: string }
  | { status: 'duplicate'; dedupeKey: string }
  | { status: 'exception'; inboxId: string; exceptionId: string; message: string };

/** Why a delivery became an exception: what is recorded with it. */
export interface Failure {
  kind: string;
  message: string;
  detail: Record<string, unknown>;
}

/** The exception for orders the store refused (an illegal status change, a value the database rejects). */
export function failureOf(error: unknown, drafts: OrderDraft[]): Failure {
  return {
    kind: 'order',
    message: `order ${drafts.map((d) => d.externalId).join(', ')} was refused: ${describeError(error)}`,
    detail: { stage: 'apply', error: describeError(error) },
  };
}
