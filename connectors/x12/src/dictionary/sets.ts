/**
 * Transaction set tables (850, 855, 856, 810, 997 for 004010 and 005010; 999 for 005010) as the standard
 * lays them out: segment order, requirement designator and maximum use, loops with their repeat counts.
 *
 * Conventions:
 * - `UNBOUNDED` (Infinity) stands for the standard's ">1".
 * - A loop's first entry is its trigger segment. It is written `req: 'M', max: 1` (a loop occurrence
 *   starts with it); whether the loop itself may be absent is the loop's own `req`.
 * - The header/detail/summary tables are flattened into one list, in position order.
 *
 * The tables follow the X12 tables (cross-read with the bots-edi grammars, which are generated from
 * them). Optional segments whose definitions could not be confirmed are left out rather than guessed
 * (see `OMITTED`): a file that uses one is reported as carrying a segment not in the set.
 */
import type { SegmentDef, StructureEntry, TransactionSetDef } from '../types.ts';
import { SEGMENTS, type Version } from './segments.ts';

export const UNBOUNDED = Number.POSITIVE_INFINITY;
const N = UNBOUNDED;

type Req = 'M' | 'O';

function s(segment: string, req: Req, max: number): StructureEntry {
  return { segment, req, max };
}

/** A loop whose trigger is `id` (entries after the trigger given in `rest`). */
function loop(id: string, req: Req, max: number, rest: readonly StructureEntry[] = []): StructureEntry {
  return { loop: id, req, max, entries: [s(id, 'M', 1), ...rest] };
}

/**
 * Optional segments of these sets that the dictionary does not define (yet), by set. Kept as data so the
 * omission is visible to tests and to whoever extends the tables.
 */
export const OMITTED: Readonly<Record<string, readonly string[]>> = {
  '850': [
    ...['TAX', 'PAM', 'DIS', 'INC', 'SI', 'PCT', 'CTB', 'NX2', 'IN2', 'EFI', 'FA1', 'FA2'],
    ...['SPI', 'ADV', 'IT8', 'SDQ', 'IT3', 'SLN'],
  ],
  '855': ['TAX', 'PAM', 'DIS', 'INC', 'SI', 'CTB', 'NX2', 'IN2', 'EFI', 'ADV', 'IT8', 'SDQ', 'SLN'],
  '856': ['SLN', 'TSD', 'LH1', 'CLD', 'PAL', 'SDQ', 'ETD', 'GF', 'YNQ', 'V1', 'AT9'],
  '810': ['YNQ', 'DMG', 'L7', 'BAL', 'INC', 'PAM', 'V1', 'FA1', 'IT3', 'SDQ', 'SR', 'SLN', 'ISS'],
  '997': [],
  '999': [],
};

// ---------------------------------------------------------------------------------------------------
// 850 Purchase Order

/** A text segment: MSG in 004010, MTX in 005010 (where MSG left the purchasing sets). */
function text(v: Version, max: number): StructureEntry {
  return v === '004010' ? s('MSG', 'O', max) : s('MTX', 'O', N);
}

function carrier(td1: number): StructureEntry[] {
  return [s('TD1', 'O', td1), s('TD5', 'O', 12), s('TD3', 'O', 12), s('TD4', 'O', 5)];
}

function structure850(v: Version): StructureEntry[] {
  const header: StructureEntry[] = [
    s('ST', 'M', 1),
    s('BEG', 'M', 1),
    s('CUR', 'O', 1),
    s('REF', 'O', N),
    s('PER', 'O', 3),
    s('FOB', 'O', N),
    s('CTP', 'O', N),
    s('CSH', 'O', 5),
    loop('SAC', 'O', 25, [s('CUR', 'O', 1)]),
    s('ITD', 'O', N),
    s('DTM', 'O', 10),
    ...(v === '004010' ? [s('LDT', 'O', 12)] : []),
    s('LIN', 'O', 5),
    s('PID', 'O', 200),
    s('MEA', 'O', 40),
    s('PWK', 'O', 25),
    s('PKG', 'O', 200),
    s('TD1', 'O', 2),
    s('TD5', 'O', v === '004010' ? 12 : N),
    s('TD3', 'O', 12),
    s('TD4', 'O', 5),
    s('MAN', 'O', 10),
    s('TXI', 'O', N),
    ...(v === '005010' ? [loop('LDT', 'O', N, [s('QTY', 'O', N), s('MTX', 'O', N), s('REF', 'O', N)])] : []),
    loop('AMT', 'O', N, [s('REF', 'O', N), s('DTM', 'O', 1)]),
    v === '004010'
      ? loop('N9', 'O', 1000, [s('DTM', 'O', N), s('MSG', 'O', 1000)])
      : loop('N9', 'O', 1000, [s('DTM', 'O', N), s('MTX', 'O', N), s('PWK', 'O', N)]),
    loop('N1', 'O', 200, [
      s('N2', 'O', 2),
      s('N3', 'O', 2),
      s('N4', 'O', N),
      s('REF', 'O', 12),
      s('PER', 'O', N),
      s('FOB', 'O', 1),
      ...carrier(2),
      s('PKG', 'O', 200),
    ]),
    loop('LM', 'O', N, [s('LQ', 'M', N)]),
  ];
  const detail: StructureEntry[] = [
    loop('PO1', 'M', 100000, [
      s('LIN', 'O', N),
      s('CUR', 'O', 1),
      s('CN1', 'O', 1),
      s('PO3', 'O', 25),
      loop('CTP', 'O', N, [s('CUR', 'O', 1)]),
      s('MEA', 'O', 40),
      loop('PID', 'O', 1000, [s('MEA', 'O', 10)]),
      s('PWK', 'O', 25),
      s('PO4', 'O', N),
      s('REF', 'O', N),
      s('PER', 'O', 3),
      loop('SAC', 'O', 25, [s('CUR', 'O', 1), s('CTP', 'O', 1)]),
      s('CSH', 'O', N),
      s('ITD', 'O', 2),
      s('FOB', 'O', N),
      s('DTM', 'O', 10),
      s('TC2', 'O', N),
      ...carrier(1),
      s('MAN', 'O', 10),
      text(v, N),
      s('TXI', 'O', N),
      loop('QTY', 'O', N),
      loop('SCH', 'O', 200, [...carrier(2), s('REF', 'O', N)]),
      loop('PKG', 'O', 200, [s('MEA', 'O', N)]),
      {
        loop: 'LS',
        req: 'O',
        max: 1,
        entries: [
          s('LS', 'M', 1),
          loop('LDT', 'M', N, [
            s('QTY', 'O', N),
            text(v, 1),
            s('REF', 'O', 3),
            loop('LM', 'O', N, [s('LQ', 'M', N)]),
          ]),
          s('LE', 'M', 1),
        ],
      },
      v === '004010'
        ? loop('N9', 'O', 1000, [s('DTM', 'O', N), s('MEA', 'O', 40), s('MSG', 'O', 1000)])
        : loop('N9', 'O', 1000, [s('DTM', 'O', N), s('MEA', 'O', 40), s('MTX', 'O', N), s('PWK', 'O', N)]),
      loop('N1', 'O', 200, [
        s('N2', 'O', 2),
        s('N3', 'O', 2),
        s('N4', 'O', 1),
        s('QTY', 'O', N),
        s('REF', 'O', 12),
        s('PER', 'O', 3),
        s('DTM', 'O', 1),
        s('FOB', 'O', 1),
        s('SCH', 'O', 200),
        ...carrier(2),
        s('PKG', 'O', 200),
        loop('LDT', 'O', N, [s('MAN', 'O', 10), s('QTY', 'O', 5), text(v, 1), s('REF', 'O', 3)]),
      ]),
      loop('AMT', 'O', N, [s('REF', 'O', v === '004010' ? 1 : N)]),
      loop('LM', 'O', N, [s('LQ', 'M', N)]),
    ]),
  ];
  const summary: StructureEntry[] = [loop('CTT', 'O', 1, [s('AMT', 'O', 1)]), s('SE', 'M', 1)];
  return [...header, ...detail, ...summary];
}

// ---------------------------------------------------------------------------------------------------
// 855 Purchase Order Acknowledgment

function structure855(v: Version): StructureEntry[] {
  const n9 =
    v === '004010'
      ? loop('N9', 'O', 1000, [s('DTM', 'O', N), s('MSG', 'O', 1000)])
      : loop('N9', 'O', 1000, [s('DTM', 'O', N), s('MTX', 'O', N), s('PWK', 'O', N)]);
  return [
    s('ST', 'M', 1),
    s('BAK', 'M', 1),
    s('CUR', 'O', 1),
    s('REF', 'O', N),
    s('PER', 'O', 3),
    s('FOB', 'O', N),
    s('CTP', 'O', N),
    s('CSH', 'O', 1),
    loop('SAC', 'O', 25, [s('CUR', 'O', 1)]),
    s('ITD', 'O', 5),
    s('DTM', 'O', 10),
    s('LDT', 'O', 12),
    s('LIN', 'O', 5),
    s('PID', 'O', 200),
    s('MEA', 'O', 40),
    s('PWK', 'O', 25),
    s('PKG', 'O', 25),
    ...carrier(2),
    s('MAN', 'O', 10),
    s('TXI', 'O', N),
    n9,
    loop('N1', 'O', 200, [
      s('N2', 'O', 2),
      s('N3', 'O', 2),
      s('N4', 'O', 1),
      s('REF', 'O', 12),
      s('PER', 'O', N),
      s('FOB', 'O', 1),
      ...carrier(2),
      s('PKG', 'O', 25),
      text(v, N),
    ]),
    loop('PO1', 'O', 100000, [
      s('LIN', 'O', N),
      s('CUR', 'O', 1),
      s('PO3', 'O', 25),
      s('CTP', 'O', N),
      s('MEA', 'O', 40),
      loop('PID', 'O', 1000, [s('MEA', 'O', 10)]),
      s('PWK', 'O', 25),
      s('PO4', 'O', N),
      s('REF', 'O', N),
      s('PER', 'O', 3),
      loop('SAC', 'O', 25, [s('CUR', 'O', 1)]),
      s('CSH', 'O', N),
      s('ITD', 'O', 2),
      s('FOB', 'O', N),
      s('DTM', 'O', 10),
      s('LDT', 'O', 12),
      ...carrier(1),
      loop('ACK', 'O', 104, [s('DTM', 'O', 1)]),
      s('MAN', 'O', 10),
      s('AMT', 'O', 1),
      s('TXI', 'O', N),
      loop('QTY', 'O', N),
      loop('PKG', 'O', 200, [s('MEA', 'O', N)]),
      loop('SCH', 'O', 200, [...carrier(2), s('REF', 'O', N)]),
      n9,
      loop('N1', 'O', 200, [
        s('N2', 'O', 2),
        s('N3', 'O', 2),
        s('N4', 'O', 1),
        s('REF', 'O', 12),
        s('PER', 'O', 3),
        s('DTM', 'O', 1),
        s('FOB', 'O', 1),
        s('SCH', 'O', 200),
        ...carrier(2),
        s('QTY', 'O', N),
        s('PKG', 'O', 25),
      ]),
    ]),
    loop('CTT', 'O', 1, [s('AMT', 'O', 1)]),
    s('SE', 'M', 1),
  ];
}

// ---------------------------------------------------------------------------------------------------
// 856 Ship Notice/Manifest

function structure856(v: Version): StructureEntry[] {
  return [
    s('ST', 'M', 1),
    s('BSN', 'M', 1),
    s('DTM', 'O', 10),
    loop('HL', 'M', 200000, [
      s('LIN', 'O', 1),
      s('SN1', 'O', 1),
      s('PRF', 'O', 1),
      s('PO4', 'O', 1),
      s('PID', 'O', 200),
      s('MEA', 'O', 40),
      s('PWK', 'O', 25),
      s('PKG', 'O', 25),
      s('TD1', 'O', 20),
      s('TD5', 'O', 12),
      // 005010 makes TD3 a loop (TD3, AT9); AT9 is not defined here, so the loop holds TD3 alone.
      v === '004010' ? s('TD3', 'O', 12) : loop('TD3', 'O', 12),
      s('TD4', 'O', 5),
      s('REF', 'O', N),
      s('PER', 'O', 3),
      s('MAN', 'O', N),
      s('DTM', 'O', 10),
      s('FOB', 'O', 1),
      loop('N1', 'O', 200, [
        s('N2', 'O', 2),
        s('N3', 'O', 2),
        s('N4', 'O', 1),
        s('REF', 'O', 12),
        s('PER', 'O', 3),
        s('FOB', 'O', 1),
      ]),
      s('CUR', 'O', 1),
      loop('SAC', 'O', N, [s('CUR', 'O', 1)]),
      loop('LM', 'O', 10, [s('LQ', 'M', 100)]),
    ]),
    s('CTT', 'O', 1),
    s('SE', 'M', 1),
  ];
}

// ---------------------------------------------------------------------------------------------------
// 810 Invoice

function structure810(v: Version): StructureEntry[] {
  const v4 = v === '004010';
  const n1 = loop('N1', 'O', 200, [
    s('N2', 'O', 2),
    s('N3', 'O', 2),
    s('N4', 'O', 1),
    s('REF', 'O', 12),
    s('PER', 'O', 3),
  ]);
  const txiLoop = v4 ? s('TXI', 'O', 10) : loop('TXI', 'O', N, [s('DTM', 'O', 1)]);
  return [
    s('ST', 'M', 1),
    s('BIG', 'M', 1),
    s('NTE', 'O', 100),
    s('CUR', 'O', 1),
    s('REF', 'O', 12),
    s('PER', 'O', 3),
    n1,
    s('ITD', 'O', N),
    s('DTM', 'O', 10),
    s('FOB', 'O', 1),
    s('PID', 'O', 200),
    s('MEA', 'O', 40),
    s('PWK', 'O', 25),
    s('PKG', 'O', 25),
    ...(v4 ? [] : [s('CRC', 'O', 1)]),
    loop('LM', 'O', 10, [s('LQ', 'M', 100)]),
    loop('N9', 'O', 1, [s('MSG', 'M', 10)]),
    loop('IT1', 'O', 200000, [
      s('CRC', 'O', 1),
      s('QTY', 'O', 5),
      s('CUR', 'O', 1),
      s('TXI', 'O', v4 ? 10 : N),
      s('CTP', 'O', 25),
      s('MEA', 'O', 40),
      loop('PID', 'O', 1000, [s('MEA', 'O', 10)]),
      s('PWK', 'O', 25),
      s('PKG', 'O', 25),
      s('PO4', 'O', 1),
      s('ITD', 'O', 2),
      s('REF', 'O', N),
      s('PER', 'O', 5),
      s('DTM', 'O', 10),
      s('CAD', 'O', N),
      loop('SAC', 'O', v4 ? 25 : N, [txiLoop]),
      n1,
      loop('LM', 'O', 10, [s('LQ', 'M', 100)]),
    ]),
    s('TDS', 'M', 1),
    s('TXI', 'O', v4 ? 10 : N),
    s('CAD', 'O', 1),
    s('AMT', 'O', N),
    loop('SAC', 'O', v4 ? 25 : N, v4 ? [txiLoop] : [s('DTM', 'O', N), txiLoop]),
    s('CTT', 'O', 1),
    s('SE', 'M', 1),
  ];
}

// ---------------------------------------------------------------------------------------------------
// 997 Functional Acknowledgment, 999 Implementation Acknowledgment

function structure997(): StructureEntry[] {
  return [
    s('ST', 'M', 1),
    s('AK1', 'M', 1),
    loop('AK2', 'O', N, [loop('AK3', 'O', N, [s('AK4', 'O', 99)]), s('AK5', 'M', 1)]),
    s('AK9', 'M', 1),
    s('SE', 'M', 1),
  ];
}

function structure999(): StructureEntry[] {
  return [
    s('ST', 'M', 1),
    s('AK1', 'M', 1),
    loop('AK2', 'O', N, [
      loop('IK3', 'O', N, [s('CTX', 'O', 10), loop('IK4', 'O', N, [s('CTX', 'O', 10)])]),
      s('IK5', 'M', 1),
    ]),
    s('AK9', 'M', 1),
    s('SE', 'M', 1),
  ];
}

// ---------------------------------------------------------------------------------------------------

/** Every segment id a structure names, depth first, each once. */
export function segmentIds(structure: readonly StructureEntry[]): string[] {
  const seen = new Set<string>();
  const walk = (entries: readonly StructureEntry[]): void => {
    for (const e of entries) {
      if ('segment' in e) seen.add(e.segment);
      else walk(e.entries);
    }
  };
  walk(structure);
  return [...seen];
}

function define(
  id: string,
  version: Version,
  functionalId: string,
  name: string,
  structure: StructureEntry[],
): TransactionSetDef {
  const dictionary = SEGMENTS[version];
  const segments: Record<string, SegmentDef> = {};
  for (const segId of segmentIds(structure)) {
    const def = dictionary[segId];
    if (!def) throw new Error(`X12 dictionary: ${id}/${version} names ${segId}, which has no definition`);
    segments[segId] = def;
  }
  return { id, version, functionalId, name, structure, segments };
}

function setsFor(v: Version): TransactionSetDef[] {
  const sets = [
    define('850', v, 'PO', 'Purchase Order', structure850(v)),
    define('855', v, 'PR', 'Purchase Order Acknowledgment', structure855(v)),
    define('856', v, 'SH', 'Ship Notice/Manifest', structure856(v)),
    define('810', v, 'IN', 'Invoice', structure810(v)),
    define('997', v, 'FA', 'Functional Acknowledgment', structure997()),
  ];
  if (v === '005010') sets.push(define('999', v, 'FA', 'Implementation Acknowledgment', structure999()));
  return sets;
}

/** All transaction sets, keyed by version then by set identifier (ST01). */
export const TRANSACTION_SETS: Readonly<Record<Version, Readonly<Record<string, TransactionSetDef>>>> = {
  '004010': Object.fromEntries(setsFor('004010').map((t) => [t.id, t])),
  '005010': Object.fromEntries(setsFor('005010').map((t) => [t.id, t])),
};
