import { OMITTED, transactionSet } from './dictionary/index.ts';
import { printable, type ReadEvent, tokenize, X12Tokenizer } from './reader.ts';
import { PurchaseOrderRules } from './rules.ts';
import type { Delimiters, Segment } from './types.ts';
import { checkValue, type SetError, SetValidator, validDate, validTime } from './validate.ts';
import { isaVersion } from './write.ts';

/**
 * Reads interchanges, each judged on its own: the envelope (ISA/IEA, GS/GE, ST/SE: counts and control
 * numbers), duplicates within the input, and each transaction set, deeply (table and elements) for the
 * types the hub consumes and in its syntax (segment IDs, characters, counts) for the rest. What comes out
 * is what a TA1 and a 997 say, plus the kept segments of the sets the caller asked for.
 */

export type AckStatus = 'A' | 'E' | 'R';

export interface Party {
  qualifier: string;
  id: string;
}

export interface SetResult {
  type: string;
  control: string;
  /** A accepted, R rejected (an accepted set's errors list is empty). */
  status: AckStatus;
  /** AK502.. codes: 1 not supported, 2 trailer missing, 3 control mismatch, 4 count mismatch, 5 segment errors, 23 duplicate. */
  codes: string[];
  errors: SetError[];
  /** Set-level problems in words (the counts, the trailer), alongside the codes. */
  problems: string[];
  /** Segments from ST to SE, when the caller keeps this type. */
  segments?: Segment[];
  /** Validated against the full definition of its type and version (false: envelope and syntax only). */
  deep: boolean;
}

export interface GroupResult {
  functionalId: string;
  control: string;
  sender: string;
  receiver: string;
  date: string;
  time: string;
  /** GS08, e.g. 004010VICS. */
  version: string;
  sets: SetResult[];
  /** AK901: A, E, P (partially accepted) or R. */
  status: 'A' | 'E' | 'P' | 'R';
  /**
   * AK905..: 1 not from this partner or not to us (GS02/GS03), 2 not the agreed version (GS08), 3 trailer missing,
   * 4 control mismatch, 5 set count mismatch, 6 control number syntax, 19 duplicate control number.
   */
  codes: string[];
  /** GE01 as sent (the sets the group says it holds). */
  included: number;
  problems: string[];
  /** Things worth knowing that are not errors (a functional id that does not fit the set). */
  warnings: string[];
}

export interface Ta1 {
  status: AckStatus;
  /** TA105 note code: 000 no error, 001 control mismatch, 003 version not the partner's, 017 not a version, 021 group count, 022 control structure, 023 end of file, 024 content, 025 duplicate… */
  note: string;
  message: string;
}

export interface InterchangeResult {
  sender: Party;
  receiver: Party;
  control: string;
  date: string;
  time: string;
  version: string;
  /** ISA14 = 1. */
  ackRequested: boolean;
  usage: string;
  delimiters: Delimiters;
  duplicate: boolean;
  /** The TA1 to send: when asked for, or when the envelope is broken; null otherwise. */
  ta1: Ta1 | null;
  /** Empty when the interchange is rejected (nothing in it is acknowledged or imported). */
  groups: GroupResult[];
  /** TA1s the interchange carries: the partner's acknowledgments of our interchanges (never acknowledged back). */
  acknowledgments: { control: string; date: string; time: string; status: string; note: string }[];
  problems: string[];
  /** Character offset of the ISA in the input. */
  offset: number;
}

export interface ReadOptions {
  /** Set types whose segments are kept on their result (the hub keeps 850 and 997). */
  keep?: (type: string) => boolean;
  /** Set types validated against their full definition (default: 850, 997 and 999, the ones the hub reads). */
  deep?: (type: string) => boolean;
  /**
   * What an interchange from a known partner to us must carry: the ISA ids (a mismatch is a TA1 rejection), the GS
   * application ids and the X12 version agreed with the partner (004010, 005010: a GS08 in another version, or an
   * ISA12 that does not go with it, is rejected). See `readingFor` (settings.ts).
   */
  expect?: {
    sender?: Party;
    receiver?: Party;
    /** GS02: the partner's application sender code. */
    groupSender?: string;
    /** GS03: our application receiver code. */
    groupReceiver?: string;
    /** GS08's version (its first six characters; 004010VICS is 004010), and the ISA12 that goes with it. */
    version?: string;
  };
  /** The currency of an 850's amounts when it has no CUR (the partner's; USD by default): how they are read. */
  currency?: string;
  /**
   * Called at each set's SE (or where it ends), with its kept segments; they are then dropped from the result,
   * so a file of any size is read in the memory of one set. The group's and interchange's own verdicts come
   * later (onInterchange).
   */
  onSet?: (set: SetResult, group: GroupResult, interchange: InterchangeResult) => void;
  /** Called once per interchange, at its IEA (or where it ends broken). */
  onInterchange?: (interchange: InterchangeResult) => void;
  /** Keep the interchanges on the returned result (default true; false for big files, with onInterchange). */
  collect?: boolean;
}

export interface ReadResult {
  interchanges: InterchangeResult[];
  /** Text outside any interchange, or ISAs that could not be read. */
  problems: string[];
  /** Characters read. */
  length: number;
}

/**
 * Inbound, the sets the hub consumes are checked against their full definition; others (an 810 or 856 a
 * partner copies us on) are checked in their syntax only, so a partner's optional segments we never read cannot
 * get their file rejected. What we send is checked against the full definition (documents.ts).
 */
const DEEP = new Set(['850', '997', '999']);

interface OpenSet {
  type: string;
  control: string;
  validator: SetValidator | undefined;
  count: number;
  errors: SetError[];
  segments: Segment[] | undefined;
}

interface OpenGroup {
  result: GroupResult;
  controls: Set<string>;
}

interface OpenInterchange {
  result: InterchangeResult;
  groupCount: number;
  group: OpenGroup | undefined;
  set: OpenSet | undefined;
  groups: GroupResult[];
  /** TA1 problems found so far (the first decides the note code). */
  notes: { note: string; message: string; status: AckStatus }[];
}

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
    const e = isa.elements;
    const value = (i: number) => e[i - 1] ?? '';
    const result: InterchangeResult = {
      sender: { qualifier: value(5).trim(), id: value(6).trim() },
      receiver: { qualifier: value(7).trim(), id: value(8).trim() },
      control: value(13),
      date: value(9),
      time: value(10),
      version: value(12),
      ackRequested: value(14) === '1',
      usage: value(15),
      delimiters,
      duplicate: false,
      ta1: null,
      groups: [],
      acknowledgments: [],
      problems: [],
      offset,
    };
    const open: OpenInterchange = {
      result,
      groupCount: 0,
      group: undefined,
      set: undefined,
      groups: [],
      notes: [],
    };
    this.current = open;
    const note = (code: string, message: string) => open.notes.push({ note: code, message, status: 'R' });
    if (notFixedWidth) note('022', 'the ISA is not fixed width (106 characters, its fields padded)');
    if (!/^0[0-6]$/.test(value(1)))
      note('010', `ISA01 "${value(1)}" is not an authorization qualifier (00 to 06)`);
    if (!['00', '01'].includes(value(3))) note('012', `ISA03 "${value(3)}" is not 00 or 01`);
    if (!/^[A-Z0-9]{2}$/.test(value(5))) note('005', `ISA05 "${value(5)}" is not a qualifier`);
    if (!result.sender.id) note('006', 'ISA06 (the sender) is empty');
    if (!/^[A-Z0-9]{2}$/.test(value(7))) note('007', `ISA07 "${value(7)}" is not a qualifier`);
    if (!result.receiver.id) note('008', 'ISA08 (the receiver) is empty');
    if (!/^\d{6}$/.test(result.date) || !validDate(result.date))
      note('014', `ISA09 "${result.date}" is not a date (YYMMDD)`);
    if (!/^\d{4}$/.test(result.time) || !validTime(result.time))
      note('015', `ISA10 "${result.time}" is not a time (HHMM)`);
    const expect = this.options.expect;
    if (!CONTROL_VERSION.test(result.version)) {
      note('017', `ISA12 "${result.version}" is not an interchange control version such as 00401 or 00501`);
    } else if (expect?.version && result.version !== isaVersion(expect.version)) {
      note(
        '003',
        `ISA12 "${result.version}" is not the version agreed with this partner (${isaVersion(expect.version)}, for ${expect.version})`,
      );
    }
    if (!/^\d{9}$/.test(result.control))
      note('018', `ISA13 "${result.control}" is not a 9-digit control number`);
    if (!['0', '1'].includes(value(14))) note('019', `ISA14 "${value(14)}" is not 0 or 1`);
    if (!['P', 'T'].includes(result.usage))
      note('020', `ISA15 "${result.usage}" is not P (production) or T (test)`);
    if (e.length !== 16) note('022', `the ISA has ${e.length} elements, not 16`);
    // A qualifier alone that differs is 005/007 (invalid qualifier); another id is 006 (invalid sender: X12 has no
    // "unknown sender") or 009 (unknown receiver).
    if (expect?.sender && !sameParty(expect.sender, result.sender)) {
      note(
        expect.sender.id.trim() === result.sender.id ? '005' : '006',
        `the sender ${partyText(result.sender)} is not this partner (${partyText(expect.sender)})`,
      );
    }
    if (expect?.receiver && !sameParty(expect.receiver, result.receiver)) {
      note(
        expect.receiver.id.trim() === result.receiver.id ? '007' : '009',
        `the receiver ${partyText(result.receiver)} is not us (${partyText(expect.receiver)})`,
      );
    }
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
        this.feed(open.set, segment);
        this.finishSet(open, open.set, segment);
        return;
      default:
        if (open.set) {
          this.feed(open.set, segment);
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
    const group = open.group!.result;
    const type = st.elements[0] ?? '';
    const control = st.elements[1] ?? '';
    const def = transactionSet(type, group.version);
    const deep = def !== undefined && (this.options.deep ? this.options.deep(type) : DEEP.has(type));
    const set: OpenSet = {
      type,
      control,
      validator: deep
        ? new SetValidator(def!, open.result.delimiters, {
            unchecked: OMITTED[type] ?? [],
            // The values the hub imports from an 850 must keep core's order rules, checked here at the edge.
            ...(type === '850' ? { rules: new PurchaseOrderRules(this.options.currency) } : {}),
          })
        : undefined,
      count: 0,
      errors: [],
      segments: this.options.keep?.(type) ? [] : undefined,
    };
    open.set = set;
    this.feed(set, st);
  }

  private feed(set: OpenSet, segment: Segment): void {
    set.count++;
    set.segments?.push(segment);
    if (set.validator) {
      set.validator.segment(segment);
      return;
    }
    // Not validated against a definition: the syntax every set must keep.
    if (set.errors.length >= 100) return;
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(segment.id)) {
      set.errors.push({
        level: 'segment',
        code: '1',
        segment: clip(segment.id),
        position: set.count,
        message: `"${clip(segment.id)}" is not a segment ID`,
      });
      return;
    }
    const bad = segment.elements.findIndex((value) => checkValue(value, ANY)?.code === '6');
    if (bad >= 0) {
      set.errors.push({
        level: 'segment',
        code: '8',
        segment: segment.id,
        position: set.count,
        message: `${segment.id} has data element errors`,
      });
      set.errors.push({
        level: 'element',
        code: '6',
        segment: segment.id,
        position: set.count,
        element: bad + 1,
        message: `${segment.id}${String(bad + 1).padStart(2, '0')} ${checkValue(segment.elements[bad]!, ANY)!.message}`,
      });
    }
  }

  private closeSet(open: OpenInterchange, why: string): void {
    const set = open.set;
    if (!set) return;
    this.finishSet(open, set, undefined, why);
  }

  private finishSet(open: OpenInterchange, set: OpenSet, se: Segment | undefined, why?: string): void {
    const group = open.group!;
    const codes: string[] = [];
    const problems: string[] = [];
    const errors = set.validator ? withSegmentErrors(set.validator.finish()) : set.errors;
    if (!/^\d{3}$/.test(set.type) || !transactionSetKnown(set.type)) {
      codes.push('6');
      problems.push(`ST01 "${set.type}" is not a transaction set identifier`);
    }
    if (!/^[A-Za-z0-9]{4,9}$/.test(set.control)) {
      codes.push('7');
      problems.push(`ST02 "${set.control}" is not a control number (4 to 9 characters)`);
    }
    if (!se) {
      codes.push('2');
      problems.push(`the transaction set has no SE (${why})`);
    } else {
      const count = se.elements[0] ?? '';
      if (!/^\d+$/.test(count) || Number(count) !== set.count) {
        codes.push('4');
        problems.push(`SE01 says ${count || 'nothing'} segments; the set has ${set.count} (ST to SE)`);
      }
      if ((se.elements[1] ?? '') !== set.control) {
        codes.push('3');
        problems.push(`SE02 "${se.elements[1] ?? ''}" does not match ST02 "${set.control}"`);
      }
    }
    if (group.controls.has(set.control)) {
      codes.push('23');
      problems.push(`transaction set control number ${set.control} is used twice in this group`);
    }
    group.controls.add(set.control);
    if (errors.length && !codes.includes('5')) codes.push('5');
    const expected = FUNCTIONAL_IDS[set.type];
    if (expected && expected !== group.result.functionalId && !group.result.warnings.length) {
      group.result.warnings.push(
        `GS01 is "${group.result.functionalId}" but a ${set.type} belongs in a "${expected}" group; accepted as sent`,
      );
    }
    const result: SetResult = {
      type: set.type,
      control: set.control,
      status: codes.length ? 'R' : 'A',
      codes,
      errors,
      problems,
      deep: set.validator !== undefined,
      ...(set.segments ? { segments: set.segments } : {}),
    };
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

/**
 * ISA12 as the standard's code list I11 has it: 00200 to 00801 and the releases between (00401, 00406, 00501…).
 * Five digits outside that pattern (99999) are no version at all: TA1 017, where a real version that is not the
 * partner's is 003.
 */
export const CONTROL_VERSION = /^00[2-8]0\d$/;

/** A simple element that accepts any printable text: the syntax check of sets read without a definition. */
const ANY = { ref: 0, name: 'element', type: 'AN', min: 0, max: Number.MAX_SAFE_INTEGER, req: 'O' } as const;

/** The AK3 line a set of AK4s hangs under: a segment with element errors gets its code 8 once. */
function withSegmentErrors(errors: SetError[]): SetError[] {
  const out: SetError[] = [];
  const marked = new Set<number>();
  for (const e of errors) {
    if (e.level === 'element' && !marked.has(e.position)) {
      // Its own AK3 comes first, unless the segment already has one (a "missing" AK3 at the same position names
      // another segment, the one that never came).
      if (
        !errors.some(
          (s) =>
            s.level === 'segment' && s.position === e.position && s.segment === e.segment && s.code !== '3',
        )
      ) {
        out.push({
          level: 'segment',
          code: '8',
          segment: e.segment,
          position: e.position,
          ...(e.loop ? { loop: e.loop } : {}),
          message: `${e.segment} has data element errors`,
        });
      }
      marked.add(e.position);
    }
    out.push(e);
  }
  return out;
}

/** GS01 for the sets the hub knows. */
export const FUNCTIONAL_IDS: Readonly<Record<string, string>> = {
  '850': 'PO',
  '855': 'PR',
  '856': 'SH',
  '810': 'IN',
  '997': 'FA',
  '999': 'FA',
  '860': 'PC',
  '865': 'CA',
  '846': 'IB',
  '820': 'RA',
  '940': 'OW',
  '945': 'SW',
  '753': 'GF',
  '754': 'GF',
  '214': 'QM',
  '204': 'SM',
  '990': 'GF',
  '824': 'AG',
  '864': 'TX',
  '832': 'SC',
  '852': 'PD',
  '816': 'OR',
  '830': 'PS',
  '862': 'SS',
  '875': 'OG',
  '880': 'GP',
  '812': 'CD',
  '180': 'AN',
  '869': 'RS',
  '870': 'RS',
};

function transactionSetKnown(type: string): boolean {
  return /^\d{3}$/.test(type);
}

export function sameParty(a: Party, b: Party): boolean {
  return a.qualifier.trim() === b.qualifier.trim() && a.id.trim() === b.id.trim();
}

export function partyText(p: Party): string {
  return `${p.qualifier}/${p.id}`;
}

function clip(s: string): string {
  const shown = [...s.slice(0, 40)].map((c) => (c.charCodeAt(0) < 32 ? printable(c) : c)).join('');
  return s.length > 40 ? `${shown}…` : shown;
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
