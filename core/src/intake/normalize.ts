import type { AnyConnector, StoredPayload } from '../connector/index.ts';
import { describeError } from '../errors.ts';
import { checkTotals, OrderDraft } from '../order.ts';
import { type Connection, connectionContext } from './connection.ts';

export type Normalized =
  | { ok: true; drafts: OrderDraft[]; ignored?: string }
  | { ok: false; message: string; detail: Record<string, unknown> };

/** Runs the connector's normalization and checks its output; never throws. */
export function normalize(
  connection: Connection,
  payload: StoredPayload,
  now: () => Date = () => new Date(),
): Normalized {
  let result: ReturnType<AnyConnector['normalize']>;
  try {
    result = connection.connector.normalize(payload, connectionContext(connection, now));
  } catch (error) {
    return { ok: false, message: describeError(error), detail: { stage: 'normalize' } };
  }
  const drafts: OrderDraft[] = [];
  const problems: string[] = [];
  try {
    result.orders.forEach((input, i) => {
      const parsed = OrderDraft.safeParse(input);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push(`orders[${i}].${issue.path.join('.')}: ${issue.message}`);
        }
        return;
      }
      for (const p of checkTotals(parsed.data))
        problems.push(`orders[${i}] (${parsed.data.externalId}): ${p}`);
      drafts.push(parsed.data);
    });
  } catch (error) {
    problems.push(`the ${connection.connector.id} output could not be checked: ${describeError(error)}`);
  }
  if (problems.length) {
    return {
      ok: false,
      message: `the ${connection.connector.id} payload maps to an invalid canonical order: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
      detail: { stage: 'validate', problems },
    };
  }
  return result.ignored !== undefined && drafts.length === 0
    ? { ok: true, drafts, ignored: result.ignored }
    : { ok: true, drafts };
}
