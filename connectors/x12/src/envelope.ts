import {
  type AckStatus,
  type GroupResult,
  type InterchangeResult,
  partyText,
  type ReadOptions,
  type ReadResult,
} from './envelope-results.ts';
import { readIsa } from './isa.ts';
import { type ReadEvent, tokenize, X12Tokenizer } from './reader.ts';
import { clip, feedSet, finishSet, type OpenGroup, type OpenSet, openSet } from './transaction-set.ts';
import type { Delimiters, Segment } from './types.ts';
import { validDate, validTime } from './validate.ts';

export * from './envelope-results.ts';
export { CONTROL_VERSION } from './isa.ts';
export { FUNCTIONAL_IDS } from './transaction-set.ts';

interface OpenInterchange {
  result: InterchangeResult;
  groupCount: number;
  group: OpenGroup | undefined;
  set: OpenSet | undefined;
  groups: GroupResult[];
  /** TA1 problems found so far (the first decides the note code). */
  notes: { note: string; message: string; status: AckStatus }[];
}

/**
 * Reads interchanges, each judged on its own: the envelope (ISA/IEA, GS/GE, ST/SE: counts and control
 * numbers), duplicates within the input, and each transaction set, deeply (table and elements) for the
 * types the hub consumes and in its syntax (segment IDs, characters, counts) for the rest. What comes out
 * is what a TA1 and a 997 say, plus the kept segments of the sets the caller asked for.
 */
export class InterchangeReader {
  private current: OpenInterchange | undefined;
  private readonly seen = new Set<string>();
  readonly result: ReadResult = { interchanges: [], problems: [], length: 0 };

  constructor(private readonly options: ReadOptions = {}) {}

  handle = (event: ReadEvent): void => {
    switch (event.kind) {
      case 'isa':
        if (this.current) this.broken('023', 'the interchange ended without an IEA: another ISA began');
        this.open(event.segment, event.delimiters, event.offset, event.notFixedWidth);
        return;
      case 'segment':
        this.segment(event.segment);
        return;
      case 'garbage':
        this.result.problems.push(
          `characters ${event.offset}–${event.offset + event.text.length} are outside any interchange: "${clip(event.text)}"`,
        );
        return;
      case 'bad-isa':
        if (this.current) this.broken('023', 'the interchange ended without an IEA: another ISA began');
        this.result.problems.push(`the ISA at character ${event.offset} cannot be read: ${event.reason}`);
        this.unreadable(event.text, event.reason, event.offset);
        return;
      case 'end':
        this.result.length = event.offset;
        if (this.current) this.broken('023', 'the file ended before the IEA');
        return;
    }
  };

  private open(isa: Segment, delimiters: Delimiters, offset: number, notFixedWidth: boolean): void {
    const { result, notes } = readIsa(isa, {
      delimiters,
      offset,
      notFixedWidth,
      expect: this.options.expect,
    });
    const open: OpenInterchange = {
      result,
      groupCount: 0,
      group: undefined,
      set: undefined,
      groups: [],
      notes,
    };
    this.current = open;
    const note = (code: string, message: string) => open.notes.push({ note: code, message, status: 'R' });
    const key = `${partyText(result.sender)}>${partyText(result.receiver)}#${result.control}`;
    if (this.seen.has(key)) {
      result.duplicate = true;
      note(
        '025',
        `interchange ${result.control} from ${partyText(result.sender)} was already received in this file`,
      );
    }
    this.seen.add(key);
  }

  private segment(segment: Segment): void {
    const open = this.current;
    if (!open) {
      this.result.problems.push(`a ${clip(segment.id)} segment is outside any interchange`);
      return;
    }
    switch (segment.id) {
      case 'GS':
        this.closeSet(open, 'a GS began');
        if (open.group) this.closeGroup(open, undefined);
        this.openGroup(open, segment);
        return;
      case 'GE':
        this.closeSet(open, 'the GE came');
        if (!open.group) {
          this.envelopeNote(open, '024', 'a GE without its GS');
          return;
        }
        this.closeGroup(open, segment);
        return;
      case 'IEA':
        this.closeSet(open, 'the IEA came');
        if (open.group) this.closeGroup(open, undefined);
        this.closeInterchange(open, segment);
        return;
      case 'ST':
        if (!open.group) {
          this.envelopeNote(open, '024', 'an ST outside any functional group (no GS before it)');
          return;
        }
        this.closeSet(open, 'another ST began');
        this.openSet(open, segment);
        return;
      case 'SE':
        if (!open.set) {
          if (open.group) open.group.result.problems.push('an SE without its ST');
          else this.envelopeNote(open, '024', 'an SE outside any functional group');
          return;
        }
        feedSet(open.set, segment);
        this.finishSet(open, open.set, segment);
        return;
      default:
        if (open.set) {
          feedSet(open.set, segment);
          return;
        }
        if (segment.id === 'TA1' && !open.group && !open.groupCount) {
          const v = (i: number) => segment.elements[i - 1] ?? '';
          open.result.acknowledgments.push({
            control: v(1),
            date: v(2),
            time: v(3),
            status: v(4),
            note: v(5),
          });
          return;
        }
        if (open.group) {
          open.group.result.problems.push(
            `a ${clip(segment.id)} segment between transaction sets (outside ST/SE)`,
          );
          return;
        }
        this.envelopeNote(open, '024', `a ${clip(segment.id)} segment outside any functional group`);
    }
  }

  private envelopeNote(open: OpenInterchange, note: string, message: string, status: AckStatus = 'R'): void {
    open.notes.push({ note, message, status });
  }

  private openGroup(open: OpenInterchange, gs: Segment): void {
    open.groupCount++;
    const v = (i: number) => gs.elements[i - 1] ?? '';
    const result: GroupResult = {
      functionalId: v(1),
      sender: v(2),
      receiver: v(3),
      date: v(4),
      time: v(5),
      control: v(6),
      version: v(8),
      sets: [],
      status: 'A',
      codes: [],
      included: 0,
      problems: [],
      warnings: [],
    };
    if (!/^\d{1,9}$/.test(result.control)) {
      result.codes.push('6');
      result.problems.push(`GS06 "${result.control}" is not a control number (1 to 9 digits)`);
    }
    if (!/^\d{8}$/.test(result.date) || !validDate(result.date))
      result.problems.push(`GS04 "${result.date}" is not a date (CCYYMMDD)`);
    if (!/^\d{4,8}$/.test(result.time) || !validTime(result.time))
      result.problems.push(`GS05 "${result.time}" is not a time`);
    if (open.groups.some((g) => g.control === result.control)) {
      result.problems.push(`group control number ${result.control} is used twice in this interchange`);
      result.codes.push('19');
    }
    this.checkParties(result);
    open.group = { result, controls: new Set() };
  }

  /**
   * The group against the partner's profile. The 997 has no code for an application sender or receiver that is
   * not the agreed one: 1 (functional group not supported) is the nearest, the group being one this hub does not
   * take from that sender or for that receiver. A GS08 in another version is 2 (version not supported).
   */
  private checkParties(result: GroupResult): void {
    const expect = this.options.expect;
    if (!expect) return;
    const wrong: string[] = [];
    if (expect.groupSender !== undefined && result.sender.trim() !== expect.groupSender) {
      wrong.push(
        `GS02 "${result.sender}" is not this partner's application sender code (${expect.groupSender})`,
      );
    }
    if (expect.groupReceiver !== undefined && result.receiver.trim() !== expect.groupReceiver) {
      wrong.push(`GS03 "${result.receiver}" is not our application receiver code (${expect.groupReceiver})`);
    }
    if (wrong.length) {
      result.codes.push('1');
      result.problems.push(...wrong);
    }
    if (expect.version && result.version.slice(0, 6) !== expect.version) {
      result.codes.push('2');
      result.problems.push(
        `GS08 "${result.version}" is not the version agreed with this partner (${expect.version})`,
      );
    }
  }

  private closeGroup(open: OpenInterchange, ge: Segment | undefined): void {
    const group = open.group!;
    const r = group.result;
    if (!ge) {
      r.codes.push('3');
      r.problems.push('the group has no GE');
      this.envelopeNote(open, '022', `functional group ${r.control} has no GE`, 'E');
      r.included = r.sets.length;
    } else {
      const count = ge.elements[0] ?? '';
      r.included = Number(count);
      if (ge.elements[1] !== r.control) {
        r.codes.push('4');
        r.problems.push(`GE02 "${ge.elements[1] ?? ''}" does not match GS06 "${r.control}"`);
      }
      if (!/^\d+$/.test(count) || Number(count) !== r.sets.length) {
        r.codes.push('5');
        r.problems.push(`GE01 says ${count || 'nothing'} transaction sets; the group holds ${r.sets.length}`);
      }
    }
    const accepted = r.sets.filter((s) => s.status !== 'R').length;
    r.status = r.codes.length ? 'R' : accepted === r.sets.length ? 'A' : accepted === 0 ? 'R' : 'P';
    open.groups.push(r);
    open.group = undefined;
  }

  private openSet(open: OpenInterchange, st: Segment): void {
    open.set = openSet(this.options, open.group!.result.version, open.result.delimiters, st);
  }

  private closeSet(open: OpenInterchange, why: string): void {
    if (open.set) this.finishSet(open, open.set, undefined, why);
  }

  private finishSet(open: OpenInterchange, set: OpenSet, se: Segment | undefined, why?: string): void {
    const group = open.group!;
    const result = finishSet(group, set, se, why);
    group.result.sets.push(result);
    open.set = undefined;
    if (this.options.onSet) {
      this.options.onSet(result, group.result, open.result);
      delete result.segments;
    }
  }

  private closeInterchange(open: OpenInterchange, iea: Segment): void {
    const r = open.result;
    const count = iea.elements[0] ?? '';
    if ((iea.elements[1] ?? '') !== r.control) {
      this.envelopeNote(open, '001', `IEA02 "${iea.elements[1] ?? ''}" does not match ISA13 "${r.control}"`);
    }
    if (!/^\d+$/.test(count) || Number(count) !== open.groupCount) {
      this.envelopeNote(
        open,
        '021',
        `IEA01 says ${count || 'nothing'} groups; the interchange holds ${open.groupCount}`,
      );
    }
    this.emit(open);
  }

  /** The interchange ended without its IEA: it is rejected, with what was read of it. */
  private broken(note: string, message: string): void {
    const open = this.current!;
    this.closeSet(open, message);
    if (open.group) this.closeGroup(open, undefined);
    this.envelopeNote(open, note, message);
    this.emit(open);
  }

  private unreadable(text: string, reason: string, offset: number): void {
    const v = text.slice(0, 200).split(text[3] ?? '*');
    const result: InterchangeResult = {
      sender: { qualifier: (v[5] ?? '').trim(), id: (v[6] ?? '').trim() },
      receiver: { qualifier: (v[7] ?? '').trim(), id: (v[8] ?? '').trim() },
      control: v[13] ?? '',
      date: v[9] ?? '',
      time: v[10] ?? '',
      version: v[12] ?? '',
      ackRequested: v[14] === '1',
      usage: v[15] ?? '',
      delimiters: { element: '*', component: '>', segment: '~' },
      duplicate: false,
      ta1: {
        status: 'R',
        note: reason.includes('element separator') ? '026' : reason.includes('component') ? '027' : '022',
        message: reason,
      },
      groups: [],
      acknowledgments: [],
      problems: [reason],
      offset,
    };
    this.push(result);
  }

  private emit(open: OpenInterchange): void {
    const r = open.result;
    const first = open.notes.find((n) => n.status === 'R') ?? open.notes[0];
    r.problems = open.notes.map((n) => n.message);
    if (first) r.ta1 = { status: first.status, note: first.note, message: first.message };
    // An interchange of TA1s alone is an acknowledgment: never acknowledged back.
    else if (r.ackRequested && !(r.acknowledgments.length && !open.groups.length)) {
      r.ta1 = { status: 'A', note: '000', message: 'no error' };
    }
    // A rejected interchange is acknowledged by its TA1 alone: nothing in it is acknowledged or imported.
    r.groups = r.ta1?.status === 'R' ? [] : open.groups;
    this.current = undefined;
    this.push(r);
  }

  private push(result: InterchangeResult): void {
    if (this.options.collect !== false) this.result.interchanges.push(result);
    this.options.onInterchange?.(result);
  }
}

/** Reads a whole input (text, bytes or a byte stream). */
export async function readInterchanges(
  input: string | Uint8Array | AsyncIterable<Uint8Array | string>,
  options: ReadOptions = {},
): Promise<ReadResult> {
  const reader = new InterchangeReader(options);
  await tokenize(input, reader.handle);
  return reader.result;
}

/** Reads a whole text or buffer at once (the connector's pure normalize; no streaming needed). */
export function readInterchangesSync(input: string | Uint8Array, options: ReadOptions = {}): ReadResult {
  const reader = new InterchangeReader(options);
  const tokenizer = new X12Tokenizer(reader.handle);
  tokenizer.push(
    typeof input === 'string' ? input : new TextDecoder('utf-8', { ignoreBOM: true }).decode(input),
  );
  tokenizer.end();
  return reader.result;
}
