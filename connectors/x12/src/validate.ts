import type {
  Delimiters,
  ElementDef,
  Segment,
  SegmentDef,
  StructureEntry,
  TransactionSetDef,
} from './types.ts';

/**
 * One problem in a transaction set, as a 997's AK3/AK4 (or a 999's IK3/IK4) says it: `code` is the X12
 * code (AK304 for a segment, AK403 for an element), `position` the segment's position in the set (ST is 1),
 * `element` (and `component`) the element's position in its segment.
 */
export interface SetError {
  level: 'segment' | 'element';
  code: string;
  segment: string;
  position: number;
  /** The loop the segment is in (its trigger segment's id), when in one. */
  loop?: string;
  element?: number;
  component?: number;
  /** The data element reference number. */
  ref?: number;
  /** The syntax note broken (P0607, C0506…), when that is the error. */
  syntaxNote?: string;
  /** A copy of the bad data, when it is short and printable. */
  value?: string;
  /**
   * The 999's IK403 code when the value breaks a rule of the hub's own rather than the standard's (I12,
   * implementation pattern match failure); `code` is then what a 997, which has syntax codes only, says.
   */
  implementation?: string;
  message: string;
}

/** A value that keeps the standard but breaks a rule of the hub's (see SetRules). */
export interface RuleBreak {
  /** The element's position in its segment. */
  element: number;
  /** The 997's AK403 code. */
  code: string;
  /** The 999's IK403 code. */
  implementation: string;
  message: string;
  value: string;
}

/**
 * Rules beyond the standard for the values the hub imports from a set (an order line's quantity, its price):
 * shown every segment of the set in order, in its place; answers with the values that break them.
 */
export interface SetRules {
  check(segment: Segment): readonly RuleBreak[] | undefined;
}

export const SEGMENT_CODES: Readonly<Record<string, string>> = {
  '1': 'unrecognized segment ID',
  '2': 'unexpected segment',
  '3': 'mandatory segment missing',
  '4': 'loop occurs over maximum times',
  '5': 'segment exceeds maximum use',
  '6': 'segment not in defined transaction set',
  '7': 'segment not in proper sequence',
  '8': 'segment has data element errors',
};

export const ELEMENT_CODES: Readonly<Record<string, string>> = {
  '1': 'mandatory data element missing',
  '2': 'conditional required data element missing',
  '3': 'too many data elements',
  '4': 'data element too short',
  '5': 'data element too long',
  '6': 'invalid character in data element',
  '7': 'invalid code value',
  '8': 'invalid date',
  '9': 'invalid time',
  '10': 'exclusion condition violated',
  '12': 'too many repetitions',
  '13': 'too many components',
  I6: 'code value not used in implementation',
  I9: 'implementation dependent data element missing',
  I10: 'implementation "not used" data element present',
  I11: 'implementation too few repetitions',
  I12: 'implementation pattern match failure',
  I13: 'implementation dependent "not used" data element present',
};

/** Control characters are outside the X12 basic and extended character sets. */
/** True when the text holds a control character (below 0x20, or DEL). */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c === 127) return true;
  }
  return false;
}
const CONTROL = { test: hasControl };

interface Frame {
  entries: readonly StructureEntry[];
  /** The entry the walk is at (segments before it can no longer come). */
  index: number;
  counts: number[];
  /** Where each segment can start an entry of this table. */
  positions: Map<string, number[]>;
  /** The loop's trigger id, for AK303. */
  loop?: string;
}

/**
 * Checks one transaction set segment by segment, ST to SE, against its definition: the table (order,
 * mandatory segments, maximum uses and loop repeats) and each segment's elements (requirements, types,
 * lengths, code values, syntax notes). It keeps no segment, so a set of any size costs the same memory.
 */
export class SetValidator {
  readonly errors: SetError[] = [];
  private readonly stack: Frame[];
  private position = 0;

  constructor(
    private readonly def: TransactionSetDef,
    private readonly delimiters: Delimiters,
    private readonly options: {
      strict?: boolean;
      maxErrors?: number;
      /** Segments of the standard's table that the dictionary does not define: let through unchecked. */
      unchecked?: readonly string[];
      /** The hub's own rules for the values it imports (inbound 850s). */
      rules?: SetRules;
    } = {},
  ) {
    this.stack = [
      {
        entries: def.structure,
        index: 0,
        counts: new Array(def.structure.length).fill(0),
        positions: positionsOf(def.structure),
      },
    ];
  }

  segment(segment: Segment): void {
    this.position++;
    // The rules see every segment (they keep count of lines), even past the error limit.
    const broken = this.options.rules?.check(segment);
    if (this.errors.length >= (this.options.maxErrors ?? 100)) return;
    const { id } = segment;
    if (!segmentId(id)) {
      this.error({ level: 'segment', code: '1', segment: id, message: `"${clip(id)}" is not a segment ID` });
      return;
    }
    const loop = this.place(id);
    if (loop === null) return;
    const def = this.def.segments[id];
    if (!def) return;
    this.elements(segment, def, loop);
    if (broken?.length) this.ruleBreaks(segment.id, loop, def, broken);
  }

  /** A rule's breaks, for elements the standard's checks found nothing wrong with (one error per element). */
  private ruleBreaks(
    id: string,
    loop: string | undefined,
    def: SegmentDef,
    broken: readonly RuleBreak[],
  ): void {
    for (const b of broken) {
      const known = this.errors.some(
        (e) => e.position === this.position && e.level === 'element' && e.element === b.element,
      );
      if (known) continue;
      this.elementError(
        id,
        loop,
        def,
        b.element,
        b.code,
        b.message,
        b.value,
        undefined,
        undefined,
        b.implementation,
      );
    }
  }

  /** Closes the walk: mandatory segments and loops never seen are reported at the SE's position. */
  finish(): SetError[] {
    while (this.stack.length) this.close(this.stack.pop()!, 'SE');
    return this.errors;
  }

  /** Walks the table to the segment: the loop it is in (undefined outside loops), or null when it has no place. */
  private place(id: string): string | undefined | null {
    for (let depth = this.stack.length - 1; depth >= 0; depth--) {
      const frame = this.stack[depth]!;
      // Inside a loop, its trigger (entry 0) begins a new repeat of the loop, one level up.
      const from = depth > 0 ? Math.max(frame.index, 1) : frame.index;
      const at = frame.positions.get(id);
      if (!at) continue;
      for (let a = 0; a < at.length; a++) {
        const i = at[a]!;
        if (i < from) continue;
        const entry = frame.entries[i]!;
        // Found: every frame above this one is finished.
        while (this.stack.length - 1 > depth) this.close(this.stack.pop()!, id);
        this.skipped(frame, i, id);
        frame.index = i;
        frame.counts[i]! += 1;
        if ('segment' in entry) {
          if (frame.counts[i]! > entry.max) {
            this.error({
              level: 'segment',
              code: '5',
              segment: id,
              loop: frame.loop,
              message: `${id} may occur ${entry.max} time${entry.max === 1 ? '' : 's'} here; this is occurrence ${frame.counts[i]}`,
            });
            return null;
          }
          return frame.loop;
        }
        if (frame.counts[i]! > entry.max) {
          this.error({
            level: 'segment',
            code: '4',
            segment: id,
            loop: entry.loop,
            message: `the ${entry.loop} loop may occur ${entry.max} times; this is repeat ${frame.counts[i]}`,
          });
        }
        const child: Frame = {
          entries: entry.entries,
          index: 0,
          counts: new Array(entry.entries.length).fill(0),
          positions: positionsOf(entry.entries),
          loop: entry.loop,
        };
        child.counts[0] = 1;
        this.stack.push(child);
        return entry.loop;
      }
    }
    const loop = this.stack[this.stack.length - 1]?.loop;
    if (this.options.unchecked?.includes(id)) return null;
    if (!(id in this.def.segments)) {
      this.error({
        level: 'segment',
        code: '6',
        segment: id,
        loop,
        message: `${id} is not a segment of the ${this.def.id} transaction set (${this.def.version})`,
      });
    } else {
      this.error({
        level: 'segment',
        code: '7',
        segment: id,
        loop,
        message: `${id} is not in its proper place: it cannot come after the segments before it`,
      });
    }
    return null;
  }

  /** Mandatory entries between the frame's position and `to` that never occurred. */
  private skipped(frame: Frame, to: number, at: string): void {
    // Only the mandatory entries can be missing: most of a table is optional, and a loop closes often.
    const mandatory = mandatoryOf(frame.entries);
    for (let m = 0; m < mandatory.length; m++) {
      const i = mandatory[m]!;
      if (i >= to) break;
      if (i >= frame.index && frame.counts[i] === 0) this.missing(frame.entries[i]!, frame.loop, at);
    }
  }

  private close(frame: Frame, at: string): void {
    this.skipped(frame, frame.entries.length, at);
  }

  private missing(entry: StructureEntry, loop: string | undefined, at: string): void {
    const id = 'segment' in entry ? entry.segment : firstSegment(entry);
    this.error({
      level: 'segment',
      code: '3',
      segment: id,
      loop,
      message: `mandatory ${'segment' in entry ? 'segment' : `loop ${entry.loop} (segment`} ${id}${'segment' in entry ? '' : ')'} is missing before ${at}`,
    });
  }

  private elements(segment: Segment, def: SegmentDef, loop: string | undefined): void {
    // The hot path of validation: a loop per element, no closure per call (tsx keeps function names, which
    // makes each closure created here cost more than the check itself). Messages are built only on errors.
    const values = segment.elements;
    const defs = def.elements;
    let last = values.length;
    if (!this.options.strict) while (last > 0 && values[last - 1] === '') last--;
    else if (last > 0 && values[last - 1] === '') {
      this.elementError(
        segment.id,
        loop,
        def,
        last,
        '3',
        'the segment ends with an empty element (trailing separator)',
      );
    }
    if (last > defs.length) {
      this.elementError(
        segment.id,
        loop,
        def,
        defs.length + 1,
        '3',
        `${segment.id} has ${defs.length} elements at most; it has ${last}`,
        values[defs.length],
      );
    }
    for (let i = 0; i < defs.length; i++) {
      const el = defs[i]!;
      const value = i < values.length ? values[i]! : '';
      if (value === '') {
        if (el.req === 'M')
          this.elementError(segment.id, loop, def, i + 1, '1', `${name(segment.id, i + 1, el)} is mandatory`);
        continue;
      }
      if (el.components) this.composite(segment.id, loop, def, el, value, i + 1);
      else if (
        el.repeat &&
        el.repeat > 1 &&
        this.delimiters.repetition &&
        value.includes(this.delimiters.repetition)
      ) {
        const reps = value.split(this.delimiters.repetition);
        if (reps.length > el.repeat) {
          this.elementError(
            segment.id,
            loop,
            def,
            i + 1,
            '12',
            `${name(segment.id, i + 1, el)} repeats ${reps.length} times, at most ${el.repeat}`,
            value,
          );
        }
        for (const rep of reps) if (this.simple(segment.id, loop, def, el, rep, i + 1)) break;
      } else this.simple(segment.id, loop, def, el, value, i + 1);
    }
    const notes = compiledNotes(def);
    for (let n = 0; n < notes.length; n++) {
      const note = notes[n]!;
      if (!noteHolds(note, values)) this.syntaxNote(note.text, { segment: segment.id, loop }, def, values);
    }
  }

  /** One simple value; true when it had an error. */
  private simple(
    id: string,
    loop: string | undefined,
    def: SegmentDef,
    el: ElementDef,
    value: string,
    position: number,
  ): boolean {
    const problem = checkValue(value, el);
    if (!problem) return false;
    this.elementError(
      id,
      loop,
      def,
      position,
      problem.code,
      `${name(id, position, el)} ${problem.message}`,
      value,
    );
    return true;
  }

  private composite(
    id: string,
    loop: string | undefined,
    def: SegmentDef,
    el: ElementDef,
    value: string,
    position: number,
  ): void {
    const components = el.components!;
    const parts = value.split(this.delimiters.component);
    if (parts.length > components.length) {
      this.elementError(
        id,
        loop,
        def,
        position,
        '13',
        `${name(id, position, el)} has too many components`,
        value,
      );
    }
    for (let k = 0; k < components.length; k++) {
      const c = components[k]!;
      const part = parts[k] ?? '';
      if (part === '') {
        if (c.req === 'M') {
          this.elementError(
            id,
            loop,
            def,
            position,
            '1',
            `component ${k + 1} of ${name(id, position, el)} is mandatory`,
            undefined,
            k + 1,
          );
        }
        continue;
      }
      const problem = checkValue(part, c);
      if (problem) {
        this.elementError(
          id,
          loop,
          def,
          position,
          problem.code,
          `${name(id, position, el)}-${k + 1} ${problem.message}`,
          part,
          k + 1,
        );
      }
    }
  }

  /** A broken syntax note, in words (only called when the note does not hold). */
  private syntaxNote(
    note: string,
    base: { segment: string; loop: string | undefined },
    def: SegmentDef,
    values: readonly string[],
  ): void {
    const present = (i: number) => (values[i - 1] ?? '') !== '';
    const kind = note[0];
    const positions: number[] = [];
    for (let i = 1; i + 2 <= note.length; i += 2) positions.push(Number(note.slice(i, i + 2)));
    const [first, ...rest] = positions as [number, ...number[]];
    const label = (p: number) => `${base.segment}${String(p).padStart(2, '0')}`;
    const report = (p: number, code: string, why: string) =>
      this.elementError(
        base.segment,
        base.loop,
        def,
        p,
        code,
        `${why} (syntax note ${note})`,
        undefined,
        undefined,
        note,
      );
    switch (kind) {
      case 'P': {
        const have = positions.filter(present);
        if (have.length && have.length < positions.length) {
          for (const p of positions.filter((p) => !present(p))) {
            report(
              p,
              '2',
              `${label(p)} is required when ${have.map(label).join(', ')} ${have.length > 1 ? 'are' : 'is'} present`,
            );
          }
        }
        break;
      }
      case 'R':
        if (!positions.some(present)) {
          report(first, '2', `at least one of ${positions.map(label).join(', ')} is required`);
        }
        break;
      case 'E': {
        const have = positions.filter(present);
        if (have.length > 1)
          report(have[1]!, '10', `only one of ${positions.map(label).join(', ')} may be present`);
        break;
      }
      case 'C':
        if (present(first)) {
          for (const p of rest.filter((p) => !present(p))) {
            report(p, '2', `${label(p)} is required when ${label(first)} is present`);
          }
        }
        break;
      case 'L':
        if (present(first) && !rest.some(present)) {
          report(
            rest[0]!,
            '2',
            `one of ${rest.map(label).join(', ')} is required when ${label(first)} is present`,
          );
        }
        break;
    }
  }

  private elementError(
    segment: string,
    loop: string | undefined,
    def: SegmentDef,
    element: number,
    code: string,
    message: string,
    value?: string,
    component?: number,
    syntaxNote?: string,
    implementation?: string,
  ): void {
    // One error per element and code: two syntax notes that point at the same missing element say it once.
    const dup = this.errors.some(
      (e) =>
        e.position === this.position + 0 &&
        e.level === 'element' &&
        e.element === element &&
        e.component === component &&
        e.code === code,
    );
    if (dup) return;
    const ref = def.elements[element - 1]?.ref;
    this.error({
      level: 'element',
      code,
      segment,
      loop,
      element,
      ...(component ? { component } : {}),
      ...(ref !== undefined ? { ref } : {}),
      ...(syntaxNote ? { syntaxNote } : {}),
      ...(value !== undefined && value.length <= 99 && !CONTROL.test(value) ? { value } : {}),
      ...(implementation ? { implementation } : {}),
      message,
    });
  }

  private error(error: Omit<SetError, 'position'> & { loop?: string | undefined }): void {
    const { loop, ...rest } = error;
    this.errors.push({ ...rest, position: this.position, ...(loop ? { loop } : {}) });
  }
}

interface CompiledNote {
  text: string;
  kind: string;
  /** Element positions, 1-based. */
  positions: number[];
}

const NOTES = new WeakMap<SegmentDef, CompiledNote[]>();

/** A segment's syntax notes parsed once ("P0607" → P, [6, 7]). */
function compiledNotes(def: SegmentDef): CompiledNote[] {
  let notes = NOTES.get(def);
  if (!notes) {
    notes = (def.syntax ?? []).map((text) => {
      const positions: number[] = [];
      for (let i = 1; i + 2 <= text.length; i += 2) positions.push(Number(text.slice(i, i + 2)));
      return { text, kind: text[0]!, positions };
    });
    NOTES.set(def, notes);
  }
  return notes;
}

/** Whether a syntax note holds for a segment's values, without allocating. */
function noteHolds(note: CompiledNote, values: readonly string[]): boolean {
  const p = note.positions;
  let count = 0;
  for (let i = 0; i < p.length; i++) {
    const v = values[p[i]! - 1];
    if (v !== undefined && v !== '') count++;
  }
  const first = values[p[0]! - 1];
  const firstPresent = first !== undefined && first !== '';
  switch (note.kind) {
    case 'P':
      return count === 0 || count === p.length;
    case 'R':
      return count > 0;
    case 'E':
      return count <= 1;
    case 'C':
      return !firstPresent || count === p.length;
    case 'L':
      return !firstPresent || count > 1;
    default:
      return true;
  }
}

const POSITIONS = new WeakMap<readonly StructureEntry[], Map<string, number[]>>();

/** Where each segment may start an entry of a table (or loop), computed once per table. */
function positionsOf(entries: readonly StructureEntry[]): Map<string, number[]> {
  let map = POSITIONS.get(entries);
  if (!map) {
    map = new Map();
    entries.forEach((entry, i) => {
      const id = triggerOf(entry);
      map!.set(id, [...(map!.get(id) ?? []), i]);
    });
    POSITIONS.set(entries, map);
  }
  return map;
}

const MANDATORY = new WeakMap<readonly StructureEntry[], number[]>();

/** The positions of a table's mandatory entries, in order, computed once per table. */
function mandatoryOf(entries: readonly StructureEntry[]): number[] {
  let list = MANDATORY.get(entries);
  if (!list) {
    list = [];
    for (let i = 0; i < entries.length; i++) if (entries[i]!.req === 'M') list.push(i);
    MANDATORY.set(entries, list);
  }
  return list;
}

const TRIGGERS = new WeakMap<StructureEntry, string>();

/** The segment an entry starts with: itself, or a loop's first segment (cached per entry). */
function triggerOf(entry: StructureEntry): string {
  if ('segment' in entry) return entry.segment;
  let id = TRIGGERS.get(entry);
  if (id === undefined) {
    id = firstSegment(entry);
    TRIGGERS.set(entry, id);
  }
  return id;
}

function firstSegment(entry: StructureEntry): string {
  let e = entry;
  while (!('segment' in e)) e = e.entries[0]!;
  return e.segment;
}

function name(segment: string, position: number, el: ElementDef): string {
  return `${segment}${String(position).padStart(2, '0')} (${el.name})`;
}

function clip(s: string): string {
  const printable = [...s]
    .map((c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c.charCodeAt(0) < 32 ? '?' : c))
    .join('');
  return printable.length > 20 ? `${printable.slice(0, 20)}…` : printable;
}

/** Checks one simple value against its definition: characters, type, length, code list. */
export function checkValue(value: string, el: ElementDef): { code: string; message: string } | undefined {
  if (CONTROL.test(value)) {
    const nl = /[\r\n]/.test(value);
    return {
      code: '6',
      message: nl
        ? `holds a line break: "${clip(value)}" (a segment terminator other than the one the ISA declares?)`
        : 'holds a control character',
    };
  }
  let length = value.length;
  switch (el.type) {
    case 'AN':
      break;
    case 'ID':
      if (el.codes && !el.codes.includes(value)) {
        return { code: '7', message: `"${value}" is not one of its codes (${preview(el.codes)})` };
      }
      break;
    case 'DT':
      if (!/^\d+$/.test(value) || !validDate(value))
        return { code: '8', message: `"${value}" is not a date (CCYYMMDD or YYMMDD)` };
      break;
    case 'TM':
      if (!/^\d+$/.test(value) || !validTime(value))
        return { code: '9', message: `"${value}" is not a time (HHMM[SS[d..]])` };
      break;
    case 'R': {
      length = digits(value, true);
      if (length < 0) return { code: '6', message: `"${value}" is not a decimal number` };
      break;
    }
    case 'B':
      break;
    default: {
      // N0..N9: an integer with implied decimals; the sign does not count toward the length.
      length = digits(value, false);
      if (length < 0) return { code: '6', message: `"${value}" is not a whole number (${el.type})` };
    }
  }
  if (length < el.min) return { code: '4', message: `"${value}" is shorter than ${el.min}` };
  if (length > el.max) return { code: '5', message: `"${clip(value)}" is longer than ${el.max}` };
  return undefined;
}

/**
 * The digits of a number as X12 counts them (no sign, no decimal point), or -1 when it is not one: an optional
 * leading minus, digits, and for R one decimal point with a digit on at least one side.
 */
function digits(value: string, decimal: boolean): number {
  let i = value.charCodeAt(0) === 45 ? 1 : 0;
  let count = 0;
  let point = false;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) count++;
    else if (c === 46 && decimal && !point) point = true;
    else return -1;
  }
  return count > 0 ? count : -1;
}

/** A segment ID: a capital letter, then one or two capitals or digits. */
function segmentId(id: string): boolean {
  if (id.length < 2 || id.length > 3) return false;
  const a = id.charCodeAt(0);
  if (a < 65 || a > 90) return false;
  for (let i = 1; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

function preview(codes: readonly string[]): string {
  return codes.length > 8 ? `${codes.slice(0, 8).join(', ')}, …` : codes.join(', ');
}

export function validDate(value: string): boolean {
  let y: number;
  let m: number;
  let d: number;
  if (value.length === 8) {
    y = Number(value.slice(0, 4));
    m = Number(value.slice(4, 6));
    d = Number(value.slice(6, 8));
  } else if (value.length === 6) {
    y = 2000 + Number(value.slice(0, 2));
    m = Number(value.slice(2, 4));
    d = Number(value.slice(4, 6));
  } else return false;
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

export function validTime(value: string): boolean {
  if (value.length < 4 || value.length > 8 || value.length === 5) return false;
  const h = Number(value.slice(0, 2));
  const min = Number(value.slice(2, 4));
  const s = value.length >= 6 ? Number(value.slice(4, 6)) : 0;
  return h <= 23 && min <= 59 && s <= 59;
}
