/** The shapes shared by the parser, the validator, the acknowledgments and the generators. */

/** The four delimiters of an interchange, read from its ISA (or chosen by a partner profile for what we send). */
export interface Delimiters {
  /** ISA's 4th character. */
  element: string;
  /** ISA11 from version 00402 on; undefined before (ISA11 is then the standards identifier, "U"). */
  repetition?: string | undefined;
  /** ISA16. */
  component: string;
  /** The character after ISA16. */
  segment: string;
  /** What follows each segment terminator in what we write: "" (nothing), "\n" or "\r\n". Ignored on read. */
  suffix?: string;
}

/**
 * One segment as read or as to be written. `elements[0]` is the first data element (ISA01, BEG01…); the tag
 * is `id`. An element is its raw text: components and repetitions are split on demand (`components()`), since
 * the repetition separator (ISA11 may be "-") can occur in the data of elements that do not repeat.
 */
export interface Segment {
  id: string;
  elements: string[];
}

/** Element data types as the X12 dictionaries give them. N0..N9 carry their implied decimals. */
export type ElementType = 'AN' | 'ID' | 'DT' | 'TM' | 'R' | 'B' | `N${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;

/** M mandatory, O optional, X conditional (governed by the segment's syntax notes). */
export type Requirement = 'M' | 'O' | 'X';

export interface ElementDef {
  /** The data element reference number (e.g. 330 for quantity ordered). */
  ref: number;
  name: string;
  type: ElementType;
  min: number;
  max: number;
  req: Requirement;
  /** The code values, only where the standard fixes a short list (e.g. BEG01 353); omitted otherwise. */
  codes?: readonly string[];
  /** How many times it may repeat (only with a repetition separator); 1 when absent. */
  repeat?: number;
  /** A composite element: its components, each like an element (their `req` is within the composite). */
  components?: readonly ElementDef[];
}

/**
 * Syntax notes as the standard writes them: a letter and element positions of two digits each.
 * P paired (all or none), R required (at least one), E exclusion (at most one), C conditional (if the first,
 * then all the others), L list conditional (if the first, then at least one of the others).
 */
export type SyntaxNote = `${'P' | 'R' | 'E' | 'C' | 'L'}${string}`;

export interface SegmentDef {
  id: string;
  name: string;
  elements: readonly ElementDef[];
  syntax?: readonly SyntaxNote[];
}

/** One entry in a transaction set's table: a segment, or a loop whose first entry is its trigger segment. */
export type StructureEntry =
  | { segment: string; req: 'M' | 'O'; max: number }
  | { loop: string; req: 'M' | 'O'; max: number; entries: readonly StructureEntry[] };

/** A transaction set as one version of the standard defines it, ST and SE included. */
export interface TransactionSetDef {
  id: string;
  /** GS08 without a suffix: "004010", "005010". */
  version: string;
  /** The functional identifier code (GS01) the set belongs to: PO for 850, PR for 855, SH for 856, IN for 810, FA for 997. */
  functionalId: string;
  name: string;
  structure: readonly StructureEntry[];
  /** Every segment the structure names, by id. */
  segments: Readonly<Record<string, SegmentDef>>;
}
