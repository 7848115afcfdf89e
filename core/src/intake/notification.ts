import type { InboundRequest } from '../connector/index.ts';
import { describeError } from '../errors.ts';
import type { NewHydration } from '../store/hydrations.ts';
import { type Connection, connectionContext } from './connection.ts';
import type { Normalized } from './normalize.ts';

/** How the intake's outcome for a thin notification begins: the sender's answer says it with this status. */
export const ACCEPTED_FOR_HYDRATION = 'accepted for hydration';

/** Whether an intake outcome's reason is that of a thin notification whose resource is fetched after the answer. */
export function isAcceptedForHydration(reason: string): boolean {
  return reason.startsWith(ACCEPTED_FOR_HYDRATION);
}

/**
 * For a connector with `webhook.hydrate`, what a delivery that came with no key of its own (a notification,
 * not a fetched or pulled record) is: never normalized itself (it carries no order), stored as ignored, and,
 * when it names a resource, with the hydration that fetches it after the answer. Undefined for every other
 * connector and delivery. Pure. A `resource` that throws (the vendor changed the notification's shape) is a
 * normalization failure: an exception an operator sees and replays, never a notification quietly ignored.
 */
export function notificationOf(
  connection: Connection,
  request: InboundRequest,
  now: () => Date,
  dedupeKey: string | undefined,
): { hydration?: NewHydration; normalized: Normalized } | undefined {
  const hydrate = connection.connector.webhook?.hydrate;
  if (!hydrate || dedupeKey !== undefined) return undefined;
  let resource: ReturnType<typeof hydrate.resource>;
  try {
    resource = hydrate.resource(request, connectionContext(connection, now));
  } catch (error) {
    return {
      normalized: {
        ok: false,
        message: `could not read which resource this ${connection.connector.title} notification names, so nothing was fetched: ${describeError(error)}; fix the connector's webhook.hydrate.resource for this shape, then replay`,
        detail: { stage: 'hydrate.resource' },
      },
    };
  }
  if (!resource) {
    return { normalized: { ok: true, drafts: [], ignored: 'the notification names no resource to fetch' } };
  }
  return {
    hydration: { tenantId: connection.tenantId, connectionId: connection.id, resource },
    normalized: {
      ok: true,
      drafts: [],
      ignored: `${ACCEPTED_FOR_HYDRATION}: ${resource.type} ${resource.id} is fetched after this answer`,
    },
  };
}
