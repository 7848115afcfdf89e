/**
 * The X12 dictionary the validator walks: transaction set tables and segment definitions for 004010 and
 * 005010. Look-ups take the version as GS08 gives it, suffix and all ("004010VICS", "005010X231A1"): the
 * base version is its first six characters.
 */
import type { SegmentDef, TransactionSetDef } from '../types.ts';
import { SEGMENTS, TA1, VERSIONS, type Version } from './segments.ts';
import { TRANSACTION_SETS } from './sets.ts';

export type { ElementEntry } from './elements.ts';
export { ELEMENTS_004010, ELEMENTS_005010, INTERCHANGE_ELEMENTS } from './elements.ts';
export type { CompositeElementDef, Version } from './segments.ts';
export { SEGMENTS, SEGMENTS_004010, SEGMENTS_005010, TA1, VERSIONS } from './segments.ts';
export { OMITTED, segmentIds, TRANSACTION_SETS, UNBOUNDED } from './sets.ts';

/** The supported base version of a GS08 value ("004010VICS" → "004010"), or undefined. */
export function baseVersion(version: string): Version | undefined {
  const base = version.trim().slice(0, 6);
  return (VERSIONS as readonly string[]).includes(base) ? (base as Version) : undefined;
}

/** The table of transaction set `id` (ST01) in `version` (GS08), or undefined when not defined here. */
export function transactionSet(id: string, version: string): TransactionSetDef | undefined {
  const base = baseVersion(version);
  return base ? TRANSACTION_SETS[base][id] : undefined;
}

/**
 * The definition of segment `id` in `version` (GS08), or undefined. TA1 is answered for either version
 * (it belongs to the interchange, not to a functional group version).
 */
export function segmentDef(id: string, version: string): SegmentDef | undefined {
  const base = baseVersion(version);
  if (!base) return undefined;
  if (id === 'TA1') return TA1;
  return SEGMENTS[base][id];
}
