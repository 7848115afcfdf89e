import type { Delimiters, Segment } from './types.ts';

/**
 * A streaming X12 tokenizer. Text goes in by chunks of any size; segments come out as soon as their
 * terminator has been read. The delimiters come from each ISA: the element separator is its 4th character,
 * the component separator ISA16, the segment terminator the character after ISA16, and the repetition
 * separator ISA11 from version 00402 on. Line breaks after a terminator, a UTF-8 byte order mark and blank
 * lines between interchanges are skipped. Each interchange brings its own delimiters, so a file may mix them.
 */

/** The character positions of the 16 element separators in a fixed-width ISA (ISA is 106 characters). */
const ISA_SEPARATORS = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103] as const;
export const ISA_LENGTH = 106;

export type ReadEvent =
  | {
      kind: 'isa';
      segment: Segment;
      delimiters: Delimiters;
      /** The ISA did not have its separators at the fixed positions; it was read by splitting. */
      notFixedWidth: boolean;
      offset: number;
    }
  | { kind: 'segment'; segment: Segment; offset: number }
  /** Characters outside any interchange that are not whitespace: reported, never silently dropped. */
  | { kind: 'garbage'; text: string; offset: number }
  /** An ISA whose delimiters cannot be read; everything up to the next ISA is skipped. */
  | { kind: 'bad-isa'; text: string; reason: string; offset: number }
  | { kind: 'end'; offset: number };

const isSpace = (c: number) => c === 10 || c === 13 || c === 32 || c === 9 || c === 0xfeff || c === 0;

/** True when a delimiter is usable: not a letter or digit, not a space. */
function usableDelimiter(ch: string): boolean {
  return ch.length === 1 && !/[A-Za-z0-9 ]/.test(ch);
}

export class X12Tokenizer {
  private buf = '';
  /** Offset (in characters) of `buf[0]` in the whole input. */
  private base = 0;
  private delimiters: Delimiters | undefined;
  /** Inside an interchange (between its ISA and its IEA). */
  private inside = false;

  constructor(private readonly emit: (event: ReadEvent) => void) {}

  /** Nothing read yet: a byte order mark at the very start is dropped (as a UTF-8 decoder does). */
  private first = true;

  push(text: string): void {
    if (this.first && text.length) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        this.base = 1;
      }
    }
    this.buf = this.buf.length ? this.buf + text : text;
    this.drain(false);
  }

  end(): void {
    this.drain(true);
    this.flushStray();
    this.emit({ kind: 'end', offset: this.base + this.buf.length });
    this.buf = '';
  }

  private drain(final: boolean): void {
    const buf = this.buf;
    let pos = 0;
    const n = buf.length;
    while (pos < n) {
      // Skip the line breaks (and a BOM) after a terminator or between interchanges.
      while (pos < n && isSpace(buf.charCodeAt(pos))) pos++;
      if (pos >= n) break;
      if (!this.inside || this.startsIsa(buf, pos)) {
        if (!this.startsIsa(buf, pos)) {
          // Outside an interchange: what is there up to the next ISA (or the end) is reported, as one run.
          const next = this.findIsa(buf, pos);
          if (next === pos) {
            // "ISA" and nothing after it yet: wait for more, or at the end it is a truncated ISA.
            if (!final) break;
            this.stray(buf.slice(pos), pos);
            pos = n;
            break;
          }
          if (next < 0 && !final) {
            // Keep a short tail in case an ISA is split across chunks.
            const keep = Math.max(pos, n - 2);
            if (keep > pos) this.stray(buf.slice(pos, keep), pos);
            pos = keep;
            break;
          }
          const stop = next < 0 ? n : next;
          this.stray(buf.slice(pos, stop), pos);
          pos = stop;
          continue;
        }
        this.flushStray();
        if (n - pos < ISA_LENGTH && !final) break;
        const read = this.readIsa(buf, pos, final);
        if (read === 'wait') break;
        if (read.kind === 'bad-isa') {
          const next = this.findIsa(buf, pos + 3);
          if (next < 0 && !final) break;
          const stop = next < 0 ? n : next;
          this.emit({
            kind: 'bad-isa',
            text: buf.slice(pos, stop),
            reason: read.reason,
            offset: this.base + pos,
          });
          this.inside = false;
          this.delimiters = undefined;
          pos = stop;
          continue;
        }
        this.delimiters = read.delimiters;
        this.inside = true;
        this.emit({
          kind: 'isa',
          segment: read.segment,
          delimiters: read.delimiters,
          notFixedWidth: read.notFixedWidth,
          offset: this.base + pos,
        });
        pos = read.next;
        continue;
      }
      const d = this.delimiters!;
      const stop = buf.indexOf(d.segment, pos);
      if (stop < 0) {
        if (!final) break;
        // The input ended inside a segment: hand it over as it is (the envelope check reports the end).
        this.segment(buf.slice(pos), pos);
        pos = n;
        break;
      }
      // A newline terminator with CR LF line ends leaves a CR on each segment.
      const end = d.segment === '\n' && stop > pos && buf.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
      this.segmentAt(buf, pos, end);
      pos = stop + 1;
    }
    this.base += pos;
    this.buf = pos >= n ? '' : buf.slice(pos);
  }

  /** Text outside any interchange, gathered across chunks into one report (its first 200 characters). */
  private pendingStray: { offset: number; text: string; length: number } | undefined;

  private stray(text: string, pos: number): void {
    const p = this.pendingStray;
    if (!p) this.pendingStray = { offset: this.base + pos, text: text.slice(0, 200), length: text.length };
    else {
      if (p.text.length < 200) p.text += text.slice(0, 200 - p.text.length);
      p.length += text.length;
    }
  }

  private flushStray(): void {
    const p = this.pendingStray;
    this.pendingStray = undefined;
    if (p?.text.trim()) this.emit({ kind: 'garbage', text: p.text.trim(), offset: p.offset });
  }

  private segment(text: string, pos: number): void {
    this.segmentAt(text, 0, text.length, pos);
  }

  /**
   * The segment in `buf` from `start` to `end`, its elements cut straight out of the buffer (no string for the
   * whole segment, no split: three times faster on big files).
   */
  private segmentAt(buf: string, start: number, end: number, offset = start): void {
    const e = this.delimiters!.element;
    let at = buf.indexOf(e, start);
    if (at < 0 || at > end) at = end;
    const id = buf.slice(start, at);
    const elements: string[] = [];
    while (at < end) {
      let next = buf.indexOf(e, at + 1);
      if (next < 0 || next > end) next = end;
      elements.push(buf.slice(at + 1, next));
      at = next;
    }
    if (id === 'IEA') this.inside = false;
    this.emit({ kind: 'segment', segment: { id, elements }, offset: this.base + offset });
  }

  private startsIsa(buf: string, pos: number): boolean {
    return buf.startsWith('ISA', pos) && pos + 3 < buf.length && !/[A-Za-z0-9]/.test(buf[pos + 3]!);
  }

  private findIsa(buf: string, from: number): number {
    let at = buf.indexOf('ISA', from);
    while (at >= 0) {
      if (at + 3 >= buf.length || !/[A-Za-z0-9]/.test(buf[at + 3]!)) return at;
      at = buf.indexOf('ISA', at + 1);
    }
    return -1;
  }

  private readIsa(
    buf: string,
    pos: number,
    final: boolean,
  ):
    | 'wait'
    | { kind: 'bad-isa'; reason: string }
    | { kind: 'isa'; segment: Segment; delimiters: Delimiters; notFixedWidth: boolean; next: number } {
    const element = buf[pos + 3]!;
    if (!usableDelimiter(element)) {
      return { kind: 'bad-isa', reason: `the element separator "${element}" is a letter, digit or space` };
    }
    let fixed = pos + ISA_LENGTH <= buf.length;
    for (const at of ISA_SEPARATORS) {
      if (!fixed) break;
      if (buf[pos + at] !== element) fixed = false;
    }
    let componentAt: number;
    if (fixed) {
      componentAt = pos + 104;
    } else {
      // Not fixed width (padding trimmed or a field too long): find the 16th separator by counting.
      let at = pos + 3;
      for (let i = 1; i < 16; i++) {
        at = buf.indexOf(element, at + 1);
        if (at < 0 || at - pos > 400) {
          if (!final && at < 0 && buf.length - pos < 400) return 'wait';
          return { kind: 'bad-isa', reason: 'the ISA does not have 16 elements' };
        }
      }
      componentAt = at + 1;
      if (componentAt + 1 >= buf.length && !final) return 'wait';
    }
    const component = buf[componentAt];
    const segment = buf[componentAt + 1];
    if (component === undefined || segment === undefined) {
      return { kind: 'bad-isa', reason: 'the file ends inside the ISA' };
    }
    const text = buf.slice(pos, componentAt + 1);
    const elements = text.split(element).slice(1);
    const version = elements[11] ?? '';
    const isa11 = elements[10] ?? '';
    const repetition = version >= '00402' && usableDelimiter(isa11) ? isa11 : undefined;
    if (!usableDelimiter(component) && component !== ' ') {
      return { kind: 'bad-isa', reason: `the component separator "${component}" is a letter or digit` };
    }
    if (!(usableDelimiter(segment) || segment === '\n' || segment === '\r')) {
      return {
        kind: 'bad-isa',
        reason: `the segment terminator "${printable(segment)}" is a letter or digit`,
      };
    }
    const all = [element, component, segment, ...(repetition ? [repetition] : [])];
    if (new Set(all).size !== all.length) {
      return {
        kind: 'bad-isa',
        reason: `the delimiters are not distinct (element "${element}", component "${component}", segment "${printable(segment)}"${repetition ? `, repetition "${repetition}"` : ''})`,
      };
    }
    return {
      kind: 'isa',
      segment: { id: 'ISA', elements },
      delimiters: { element, component, segment, repetition },
      notFixedWidth: !fixed,
      next: componentAt + 2,
    };
  }
}

export function printable(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\x07') return '\\a (BEL)';
  const code = ch.charCodeAt(0);
  return code < 32 ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
}

/** Reads a whole text or a stream of bytes (decoded as UTF-8, a chunk split inside a character is fine). */
export async function tokenize(
  input: string | Uint8Array | AsyncIterable<Uint8Array | string>,
  emit: (event: ReadEvent) => void,
): Promise<void> {
  const tokenizer = new X12Tokenizer(emit);
  if (typeof input === 'string') tokenizer.push(input);
  // The byte order mark is kept by the decoder and dropped by the tokenizer, so offsets are the same
  // whichever way the text comes.
  else if (input instanceof Uint8Array)
    tokenizer.push(new TextDecoder('utf-8', { ignoreBOM: true }).decode(input));
  else {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    for await (const chunk of input) {
      tokenizer.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    }
    tokenizer.push(decoder.decode());
  }
  tokenizer.end();
}

/** An element's components (a composite), split on the interchange's component separator. */
export function components(value: string, delimiters: Delimiters): string[] {
  return value.split(delimiters.component);
}

/** An element's repetitions, when the interchange has a repetition separator. */
export function repetitions(value: string, delimiters: Delimiters): string[] {
  return delimiters.repetition ? value.split(delimiters.repetition) : [value];
}
