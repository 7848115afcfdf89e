import {
  bodyText,
  type ConnectionContext,
  checkTotals,
  type NormalizeResult,
  OrderDraft,
  type OrderDraftInput,
  type StoredPayload,
} from '@switchyard/core';
import { describeNotX12 } from './content.ts';
import { readInterchangesSync } from './envelope.ts';
import { type PurchaseOrder, purchaseOrder } from './map-order.ts';
import { type PartnerSecrets, type PartnerSettings, readingFor } from './settings.ts';
import type { Segment } from './types.ts';

/**
 * The pure part of the connector: the orders an EDI payload maps to, used by `switchyard normalize x12 <file>`
 * and by the replay of an exception's stored set (a file's arrival goes through `receiveFile`, which needs the
 * store: duplicates, control numbers, acknowledgments).
 */
export function normalizeInterchanges(
  payload: StoredPayload,
  context: ConnectionContext<PartnerSettings, PartnerSecrets>,
): NormalizeResult {
  // With the partner's profile (a replay, or --connection), its envelope ids and version are checked as on
  // arrival: a set from a group rejected for them stays rejected until the profile says otherwise.
  const read = readInterchangesSync(bodyText(payload.body), {
    keep: (type) => type === '850',
    ...readingFor(context.settings),
  });
  const orders: OrderDraftInput[] = [];
  const problems: string[] = [];
  for (const ic of read.interchanges) {
    if (ic.ta1?.status === 'R') problems.push(`interchange ${ic.control}: ${ic.ta1.message}`);
    for (const group of ic.groups) {
      for (const set of group.sets) {
        if (set.type !== '850') continue;
        if (set.status === 'R' || group.status === 'R') {
          const why = [...set.problems, ...group.problems, ...set.errors.map((e) => e.message)].slice(0, 3);
          problems.push(`850 ${set.control} is rejected: ${why.join('; ')}`);
          continue;
        }
        const po = purchaseOrder(set.segments ?? [], {
          // Without a profile (`switchyard normalize x12 <file>` with no --connection): no tables, no guesses.
          ...(context.settings?.items ? { partner: { ...context.settings, id: context.connectionId } } : {}),
          groupDate: group.date,
          groupTime: group.time,
          setControl: set.control,
        });
        if (po.problems.length) problems.push(...po.problems);
        else orders.push(po.order);
      }
    }
  }
  if (!read.interchanges.length) problems.push(`not an X12 file: ${describeNotX12(payload.body).found}`);
  if (problems.length) throw new Error(problems.slice(0, 5).join('; '));
  return orders.length ? { orders } : { orders, ignored: 'no purchase order (850) in this file' };
}

/**
 * A purchase order that the canonical model takes as it is: mapped, then parsed and its totals checked. The
 * draft is absent when anything is wrong, and `problems` says what.
 */
export function checkedPurchaseOrder(
  segments: readonly Segment[],
  context: Parameters<typeof purchaseOrder>[1],
): { po: PurchaseOrder; draft?: OrderDraft; problems: string[] } {
  const po = purchaseOrder(segments, context);
  const parsed = OrderDraft.safeParse(po.order);
  const problems = [
    ...po.problems,
    ...(parsed.success
      ? checkTotals(parsed.data)
      : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
  ];
  return problems.length || !parsed.success ? { po, problems } : { po, draft: parsed.data, problems };
}
