import type { Delimiters, Segment } from './types.ts';

/** Our side and theirs on an interchange we write. */
export interface EnvelopeParties {
  sender: { qualifier: string; id: string };
  receiver: { qualifier: string; id: string };
}

export interface OutboundGroup {
  functionalId: string;
  /** GS02 / GS03 application ids. */
  sender: string;
  receiver: string;
  control: string;
  /** GS08: 004010, 005010, 005010X231… */
  version: string;
  /** Each set from ST to SE. */
  sets: Segment[][];
}

export interface OutboundInterchange extends EnvelopeParties {
  control: string;
  at: Date;
  /** P production or T test. */
  usage: 'P' | 'T';
  /** ISA14: ask the partner for a TA1. */
  ackRequested?: boolean;
  delimiters: Delimiters;
  /** A TA1 goes before the groups. */
  ta1?: Segment;
  groups: OutboundGroup[];
  /** ISA12; by default the one that goes with the first group's version. */
  version?: string;
}

export const DEFAULT_DELIMITERS: Delimiters = {
  element: '*',
  component: '>',
  segment: '~',
  repetition: '^',
  suffix: '\n',
};

/** The ISA12 that goes with a GS08 version. */
export function isaVersion(gsVersion: string): string {
  const base = gsVersion.slice(0, 6);
  return /^\d{6}$/.test(base) ? base.slice(0, 5) : '00401';
}

const pad = (value: string, width: number) => value.slice(0, width).padEnd(width, ' ');
const two = (n: number) => String(n).padStart(2, '0');

export function x12Date(at: Date, digits: 6 | 8): string {
  const y = String(at.getUTCFullYear());
  return `${digits === 6 ? y.slice(2) : y}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}`;
}

export function x12Time(at: Date): string {
  return `${two(at.getUTCHours())}${two(at.getUTCMinutes())}`;
}

/** Control numbers as the envelope wants them: ISA13 nine digits; GS06 and ST02 as given. */
export function isaControl(n: number | bigint | string): string {
  return String(n).padStart(9, '0');
}

/** Writes one segment. Values must not contain the delimiters (checked). */
export function writeSegment(segment: Segment, d: Delimiters): string {
  let last = segment.elements.length;
  while (last > 0 && segment.elements[last - 1] === '') last--;
  const elements = segment.elements.slice(0, last);
  for (const value of elements) {
    if (value.includes(d.segment) || value.includes(d.element)) {
      throw new Error(
        `${segment.id}: "${value}" contains a delimiter of this interchange; remove it or choose other delimiters`,
      );
    }
  }
  return `${[segment.id, ...elements].join(d.element)}${d.segment}${d.suffix ?? ''}`;
}

/** The ISA, fixed width (106 characters before the terminator). */
export function isaSegment(ic: OutboundInterchange, version: string): Segment {
  const d = ic.delimiters;
  const repetition = version >= '00402' ? (d.repetition ?? '^') : 'U';
  return {
    id: 'ISA',
    elements: [
      '00',
      pad('', 10),
      '00',
      pad('', 10),
      pad(ic.sender.qualifier, 2),
      pad(ic.sender.id, 15),
      pad(ic.receiver.qualifier, 2),
      pad(ic.receiver.id, 15),
      x12Date(ic.at, 6),
      x12Time(ic.at),
      repetition,
      version,
      isaControl(ic.control),
      ic.ackRequested ? '1' : '0',
      ic.usage,
      d.component,
    ],
  };
}

/** The whole interchange, envelopes and counts computed here. */
export function writeInterchange(ic: OutboundInterchange): string {
  const d = ic.delimiters;
  const version = ic.version ?? isaVersion(ic.groups[0]?.version ?? '004010');
  const isa = isaSegment(ic, version);
  // ISA is written as is: its padded fields are part of the fixed width.
  let out = `${['ISA', ...isa.elements].join(d.element)}${d.segment}${d.suffix ?? ''}`;
  if (ic.ta1) out += writeSegment(ic.ta1, d);
  for (const group of ic.groups) {
    out += writeSegment(
      {
        id: 'GS',
        elements: [
          group.functionalId,
          group.sender,
          group.receiver,
          x12Date(ic.at, 8),
          x12Time(ic.at),
          group.control,
          'X',
          group.version,
        ],
      },
      d,
    );
    for (const set of group.sets) for (const segment of set) out += writeSegment(segment, d);
    out += writeSegment({ id: 'GE', elements: [String(group.sets.length), group.control] }, d);
  }
  out += writeSegment({ id: 'IEA', elements: [String(ic.groups.length), isaControl(ic.control)] }, d);
  return out;
}

/** ST and SE around a body, SE01 counted. */
export function wrapSet(type: string, control: string, body: Segment[], implementation?: string): Segment[] {
  const st: Segment = {
    id: 'ST',
    elements: implementation ? [type, control, implementation] : [type, control],
  };
  return [st, ...body, { id: 'SE', elements: [String(body.length + 2), control] }];
}
