import type { Delimiters, Segment } from './types.ts';
import type { SetError } from './validate.ts';

// What reading interchanges yields: per interchange, group and set, what a TA1 and a 997 say.

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

export function sameParty(a: Party, b: Party): boolean {
  return a.qualifier.trim() === b.qualifier.trim() && a.id.trim() === b.id.trim();
}

export function partyText(p: Party): string {
  return `${p.qualifier}/${p.id}`;
}
