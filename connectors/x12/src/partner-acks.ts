import { appendOrderEvent, type Sql } from '@switchyard/core';
import type { SetResult } from './envelope.ts';
import type { EdiConnection, Receipt } from './receipt.ts';
import { recordAck } from './store.ts';
import type { Segment } from './types.ts';
import { ELEMENT_CODES, SEGMENT_CODES } from './validate.ts';

// The partner's 997 or 999 for what we sent: read, and matched to our documents.

/** A 997 or 999 from the partner: each AK2 closes the document we sent with that GS06 and ST02. */
export async function matchAcknowledgment(
  tx: Sql,
  connection: EdiConnection,
  set: SetResult,
  receipt: Receipt,
): Promise<void> {
  const acks = readAcknowledgment(set.segments ?? []);
  for (const ack of acks) {
    const docs = await recordAck(tx, connection.id, ack.groupControl, ack.setControl, {
      status: ack.status,
      errors: ack.errors,
    });
    for (const doc of docs) {
      receipt.acknowledged.push({ documentId: doc.id, kind: doc.kind, status: ack.status });
      if (doc.orderId) {
        await appendOrderEvent(tx, {
          orderId: doc.orderId,
          type: `edi.${doc.kind}.${ack.status}`,
          data: {
            documentId: doc.id,
            isa: doc.isaControl,
            gs: doc.gsControl,
            st: doc.stControl,
            errors: ack.errors,
          },
          stepKey: `edi-ack:${doc.id}`,
        });
      }
    }
  }
}

export interface ReadAck {
  groupControl: string;
  /** Undefined when the 997 answers for the whole group (no AK2). */
  setControl?: string;
  setType?: string;
  status: 'accepted' | 'partially-accepted' | 'rejected';
  errors: { message: string; segment?: string; position?: number; element?: number; code?: string }[];
}

/** What a 997 or 999 says, set by set, with its AK3/AK4 (IK3/IK4) errors in words. */
export function readAcknowledgment(segments: readonly Segment[]): ReadAck[] {
  const out: ReadAck[] = [];
  let group = '';
  let current: ReadAck | undefined;
  let segment: { id: string; position: number } | undefined;
  const status = (code: string): ReadAck['status'] =>
    code === 'A' || code === 'E' ? 'accepted' : code === 'P' ? 'partially-accepted' : 'rejected';
  for (const s of segments) {
    const e = (i: number) => s.elements[i - 1] ?? '';
    switch (s.id) {
      case 'AK1':
        group = e(2);
        break;
      case 'AK2':
        current = { groupControl: group, setControl: e(2), setType: e(1), status: 'accepted', errors: [] };
        out.push(current);
        break;
      case 'AK3':
      case 'IK3':
        segment = { id: e(1), position: Number(e(2)) };
        current?.errors.push({
          segment: e(1),
          position: Number(e(2)),
          code: e(4),
          message: `${e(1)} at segment ${e(2)}: ${SEGMENT_CODES[e(4)] ?? `error ${e(4)}`}`,
        });
        break;
      case 'AK4':
      case 'IK4': {
        const element = Number(e(1).split(/[^0-9]/)[0]);
        current?.errors.push({
          ...(segment ? { segment: segment.id, position: segment.position } : {}),
          element,
          code: e(3),
          message: `${segment?.id ?? 'segment'}${String(element).padStart(2, '0')}${e(2) ? ` (element ${e(2)})` : ''}: ${ELEMENT_CODES[e(3)] ?? `error ${e(3)}`}${e(4) ? `, "${e(4)}"` : ''}`,
        });
        break;
      }
      case 'AK5':
      case 'IK5':
        if (current) {
          current.status = status(e(1));
          if (e(2))
            current.errors.push({
              code: e(2),
              message: `transaction set: code ${s.elements.slice(1).filter(Boolean).join(', ')}`,
            });
        }
        segment = undefined;
        break;
      case 'AK9': {
        const codes = s.elements.slice(4).filter(Boolean);
        const groupErrors = codes.length
          ? [{ code: codes[0]!, message: `group: code ${codes.join(', ')}` }]
          : [];
        if (!out.length) out.push({ groupControl: group, status: status(e(1)), errors: groupErrors });
        else if (e(1) === 'R') {
          // The whole group refused: every set in it is rejected, whatever its AK5 said.
          for (const ack of out) {
            ack.status = 'rejected';
            ack.errors.push(...groupErrors, {
              message: 'the partner rejected the whole functional group (AK9 R)',
            });
          }
        }
        break;
      }
    }
  }
  return out;
}
