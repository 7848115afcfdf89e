import { type AckKind, ackInterchange, acknowledges, partnerEnvelope } from './ack.ts';
import { describeNotX12 } from './content.ts';
import { type InterchangeResult, type ReadOptions, readInterchanges } from './envelope.ts';
import { type PartnerTables, purchaseOrder } from './map-order.ts';
import { readingFor } from './settings.ts';
import type { Delimiters } from './types.ts';
import type { SetError } from './validate.ts';

/** The report `switchyard edi inspect` prints: what the hub would decide and send for a file, with no side effect. */
export interface InspectReport {
  interchanges: InterchangeReport[];
  /** Text outside any interchange, unreadable ISAs. */
  problems: string[];
}

export interface InterchangeReport {
  sender: string;
  receiver: string;
  control: string;
  duplicate: boolean;
  ta1: { status: string; note: string; message: string; ack: string } | null;
  problems: string[];
  groups: {
    functionalId: string;
    control: string;
    status: string;
    codes: string[];
    problems: string[];
    warnings: string[];
    ack: string | null;
    sets: {
      type: string;
      control: string;
      status: string;
      codes: string[];
      problems: string[];
      errors: Pick<SetError, 'code' | 'segment' | 'position' | 'element' | 'message'>[];
      order?: unknown;
      exceptions?: string[];
    }[];
  }[];
}

export interface InspectOptions {
  partner?: PartnerTables & {
    partner?: { qualifier: string; id: string; gsId?: string };
    us?: { qualifier: string; id: string; gsId?: string };
    acknowledgments?: { functional: AckKind };
    delimiters?: Delimiters;
    /** The X12 version agreed with the partner: a group or interchange in another is rejected. */
    version?: string;
  };
  /** The clock for the acknowledgments' dates. */
  now?: Date;
  /** Interchanges already received (sender>receiver#control), as the hub's store would know them. */
  alreadyReceived?: (interchange: InterchangeResult) => boolean;
}

export async function inspect(
  input: string | Uint8Array | AsyncIterable<Uint8Array | string>,
  options: InspectOptions = {},
): Promise<InspectReport> {
  const p = options.partner;
  const read: ReadOptions = { keep: (type) => type === '850', ...readingFor(p) };
  const result = await readInterchanges(input, read);
  if (!result.interchanges.length && (typeof input === 'string' || input instanceof Uint8Array)) {
    // Not X12 at all: what it is instead comes first.
    const body = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    result.problems.unshift(describeNotX12(body).found);
  }
  const at = options.now ?? new Date();
  // Control numbers for the preview: counted from 1 here; the hub takes them from the partner's counter.
  let next = 1;
  const interchanges = result.interchanges.map((ic): InterchangeReport => {
    if (!ic.duplicate && options.alreadyReceived?.(ic)) markDuplicate(ic, 'was already received');
    const env = partnerEnvelope(p, at);
    const ta1 = ic.ta1
      ? { ...ic.ta1, ack: ackInterchange(ic, { ta1: true }, { isa: String(next++) }, env) }
      : null;
    return {
      sender: ic.sender.id,
      receiver: ic.receiver.id,
      control: ic.control,
      duplicate: ic.duplicate,
      ta1,
      problems: ic.problems,
      groups: ic.groups.map((g) => {
        const n = next++;
        return {
          functionalId: g.functionalId,
          control: g.control,
          status: g.status,
          codes: g.codes,
          problems: g.problems,
          warnings: g.warnings,
          ack: acknowledges(g)
            ? ackInterchange(ic, { group: g }, { isa: String(n), gs: String(n), st: '0001' }, env)
            : null,
          sets: g.sets.map((s) => {
            const base = {
              type: s.type,
              control: s.control,
              status: s.status,
              codes: s.codes,
              problems: s.problems,
              errors: s.errors.map((e) => ({
                code: e.code,
                segment: e.segment,
                position: e.position,
                ...(e.element !== undefined ? { element: e.element } : {}),
                message: e.message,
              })),
            };
            if (s.type !== '850' || s.status === 'R' || g.status === 'R' || !s.segments) return base;
            const po = purchaseOrder(s.segments, {
              ...(p ? { partner: p } : {}),
              groupDate: g.date,
              groupTime: g.time,
              setControl: s.control,
            });
            return { ...base, order: po.order, exceptions: po.problems };
          }),
        };
      }),
    };
  });
  return { interchanges, problems: result.problems };
}

/** A duplicate interchange is rejected by its TA1 (025) and nothing in it is acknowledged or imported again. */
export function markDuplicate(ic: InterchangeResult, why: string): void {
  ic.duplicate = true;
  ic.groups = [];
  ic.ta1 = {
    status: 'R',
    note: '025',
    message: `interchange ${ic.control} from ${ic.sender.qualifier}/${ic.sender.id} ${why}`,
  };
  ic.problems.push(ic.ta1.message);
}
