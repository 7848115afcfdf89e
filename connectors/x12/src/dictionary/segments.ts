/**
 * Segment definitions for 004010 and 005010: which data elements a segment holds, in order, with their
 * requirement designators and the segment's syntax notes, as the X12 segment directory states them.
 *
 * A segment is written once as a spec (element reference numbers and M/O/X); the element's name, type
 * and length come from the version's element dictionary (elements.ts). Where 005010 changes a segment's
 * layout (ST03, AK103, AK203, N407, MTX, CTX, IK3–IK5…) it has its own spec below; everything else is the
 * same spec read against the 005010 dictionary (so REF02 is AN 1/30 in 004010 and AN 1/50 in 005010).
 *
 * Sources read to write these (none copied): the bots-edi grammars (element lists and lengths), the
 * stupidedi 004010/005010 segment definitions (kept only where they follow the standard: CTP, the 997/999
 * segments), Stedi's X12 reference pages (PO4, PKG, ITD, MTX, MSG, ACK, CSH) and the EdiFabric 004010
 * templates (element order of CN1, CAD, CRC, BEG, BIG). Where stupidedi departs from the standard (its
 * 004010 ACK, BAK, BIG, SAC, ITD, TD5 and PO4 are partial or use invented elements) the standard wins.
 *
 * Read from one source only (the X12 text as recalled and cross-checked against sample files, without a
 * second published copy): the syntax notes of SAC, TD1, TD3, TD4, TD5, MEA, TXI, CUR, FOB, SCH, PO3 (as
 * 004040 states it), CTT, CAD. Where a note could not be settled the element is left optional rather than
 * a note guessed: TD510 (only C1011 is applied), ACK27–ACK29, the CTX notes.
 */
import type { ElementDef, Requirement, SegmentDef, SyntaxNote } from '../types.ts';
import { ELEMENTS_004010, ELEMENTS_005010, type ElementEntry, INTERCHANGE_ELEMENTS } from './elements.ts';

export type Version = '004010' | '005010';
export const VERSIONS: readonly Version[] = ['004010', '005010'];

/** A composite data structure (C001, C040…) in a segment. */
export interface CompositeElementDef extends ElementDef {
  /** The composite's identifier, e.g. "C040". `ref` is 0 for a composite: it has no element number. */
  readonly compositeId: string;
  readonly components: readonly ElementDef[];
}

type CompositeId = 'C001' | 'C002' | 'C030' | 'C040' | 'C998' | 'C999';
/** One element position of a segment: the element (or composite), its designator, and how often it repeats. */
type Use = readonly [ref: number | CompositeId, req: Requirement, repeat?: number];

interface SegmentSpec {
  readonly id: string;
  readonly name: string;
  readonly elements: readonly Use[];
  readonly syntax?: readonly SyntaxNote[];
}

interface CompositeSpec {
  readonly name: string;
  readonly components: readonly Use[];
}

/** `count` repetitions of an element pair, e.g. the Product/Service ID qualifier/ID pairs of PO1. */
function pairs(count: number, a: number, b: number, req: Requirement = 'X'): Use[] {
  const out: Use[] = [];
  for (let i = 0; i < count; i += 1) out.push([a, req], [b, req]);
  return out;
}

/** `count` repetitions of one element. */
function times(count: number, ref: number, req: Requirement): Use[] {
  return Array.from({ length: count }, () => [ref, req] as const);
}

/** Paired notes over consecutive pairs from position `from`: P0607, P0809, … */
function pairedNotes(from: number, count: number): SyntaxNote[] {
  const out: SyntaxNote[] = [];
  for (let i = 0; i < count; i += 1) {
    const a = from + 2 * i;
    out.push(`P${pos(a)}${pos(a + 1)}`);
  }
  return out;
}

function pos(n: number): string {
  return String(n).padStart(2, '0');
}

const COMPOSITES_004010: Record<CompositeId, CompositeSpec> = {
  C001: {
    name: 'Composite Unit of Measure',
    components: [[355, 'M'], [1018, 'O'], [649, 'O'], ...repeatUom(4)],
  },
  C002: { name: 'Actions Indicated', components: [[704, 'M'], ...times(4, 704, 'O')] },
  C030: {
    name: 'Position in Segment',
    components: [
      [722, 'M'],
      [1528, 'O'],
    ],
  },
  C040: { name: 'Reference Identifier', components: [[128, 'M'], [127, 'M'], ...pairs(2, 128, 127)] },
  // Not in 004010; listed so the record is total. No 004010 segment uses them.
  C998: { name: 'Context Identification', components: [] },
  C999: { name: 'Reference in Segment', components: [] },
};

function repeatUom(count: number): Use[] {
  const out: Use[] = [];
  for (let i = 0; i < count; i += 1) out.push([355, 'X'], [1018, 'X'], [649, 'X']);
  return out;
}

const COMPOSITES_005010: Record<CompositeId, CompositeSpec> = {
  ...COMPOSITES_004010,
  C030: {
    name: 'Position in Segment',
    components: [
      [722, 'M'],
      [1528, 'O'],
      [1686, 'O'],
    ],
  },
  C998: {
    name: 'Context Identification',
    components: [
      [9999, 'M'],
      [9998, 'O'],
    ],
  },
  C999: {
    name: 'Reference in Segment',
    components: [
      [725, 'M'],
      [725, 'O'],
    ],
  },
};

/** The segments whose layout is the same in both versions (their element lengths may still differ). */
const COMMON: readonly SegmentSpec[] = [
  {
    id: 'SE',
    name: 'Transaction Set Trailer',
    elements: [
      [96, 'M'],
      [329, 'M'],
    ],
  },
  {
    id: 'BEG',
    name: 'Beginning Segment for Purchase Order',
    elements: [
      [353, 'M'],
      [92, 'M'],
      [324, 'M'],
      [328, 'O'],
      [373, 'M'],
      [367, 'O'],
      [587, 'O'],
      [1019, 'O'],
      [1166, 'O'],
      [1232, 'O'],
      [786, 'O'],
      [640, 'O'],
    ],
  },
  {
    id: 'BAK',
    name: 'Beginning Segment for Purchase Order Acknowledgment',
    elements: [
      [353, 'M'],
      [587, 'M'],
      [324, 'M'],
      [373, 'M'],
      [328, 'O'],
      [326, 'O'],
      [367, 'O'],
      [127, 'O'],
      [373, 'O'],
      [640, 'O'],
    ],
  },
  {
    id: 'BSN',
    name: 'Beginning Segment for Ship Notice',
    elements: [
      [353, 'M'],
      [396, 'M'],
      [373, 'M'],
      [337, 'M'],
      [1005, 'O'],
      [640, 'X'],
      [641, 'O'],
    ],
    syntax: ['C0706'],
  },
  {
    id: 'BIG',
    name: 'Beginning Segment for Invoice',
    elements: [
      [373, 'M'],
      [76, 'M'],
      [373, 'O'],
      [324, 'O'],
      [328, 'O'],
      [327, 'O'],
      [640, 'O'],
      [353, 'O'],
      [306, 'O'],
      [76, 'O'],
    ],
  },
  {
    id: 'NTE',
    name: 'Note/Special Instruction',
    elements: [
      [363, 'O'],
      [352, 'M'],
    ],
  },
  {
    id: 'CUR',
    name: 'Currency',
    elements: [
      [98, 'M'],
      [100, 'M'],
      [280, 'O'],
      [98, 'O'],
      [100, 'O'],
      [669, 'O'],
      // CUR07–CUR21: five date/time qualifier, date, time triples.
      ...Array.from({ length: 5 }, () => [
        [374, 'X'] as const,
        [373, 'X'] as const,
        [337, 'X'] as const,
      ]).flat(),
    ],
    syntax: [
      'C0807',
      'C0907',
      'L101112',
      'C1110',
      'C1210',
      'L131415',
      'C1413',
      'C1513',
      'L161718',
      'C1716',
      'C1816',
      'L192021',
      'C2019',
      'C2119',
    ],
  },
  {
    id: 'REF',
    name: 'Reference Identification',
    elements: [
      [128, 'M'],
      [127, 'X'],
      [352, 'X'],
      ['C040', 'O'],
    ],
    syntax: ['R0203'],
  },
  {
    id: 'PER',
    name: 'Administrative Communications Contact',
    elements: [[366, 'M'], [93, 'O'], ...pairs(3, 365, 364), [443, 'O']],
    syntax: ['P0304', 'P0506', 'P0708'],
  },
  {
    id: 'FOB',
    name: 'F.O.B. Related Instructions',
    elements: [
      [146, 'M'],
      [309, 'X'],
      [352, 'O'],
      [334, 'O'],
      [335, 'X'],
      [309, 'X'],
      [352, 'O'],
      [54, 'O'],
      [352, 'X'],
    ],
    syntax: ['C0302', 'C0405', 'C0706', 'C0809'],
  },
  {
    id: 'CTP',
    name: 'Pricing Information',
    elements: [
      [687, 'O'],
      [236, 'X'],
      [212, 'X'],
      [380, 'X'],
      ['C001', 'X'],
      [648, 'O'],
      [649, 'X'],
      [782, 'O'],
      [639, 'O'],
      [499, 'O'],
      [289, 'O'],
    ],
    syntax: ['P0405', 'C0607', 'C0902', 'C1002', 'C1103'],
  },
  {
    id: 'CSH',
    name: 'Sales Requirements',
    elements: [
      [563, 'O'],
      [306, 'O'],
      [610, 'X'],
      [508, 'O'],
      [373, 'O'],
      [559, 'X'],
      [560, 'X'],
      [566, 'O'],
      [954, 'X'],
      [1004, 'X'],
    ],
    syntax: ['C0203', 'P0607', 'P0910'],
  },
  {
    id: 'SAC',
    name: 'Service, Promotion, Allowance, or Charge Information',
    elements: [
      [248, 'M'],
      [1300, 'X'],
      [559, 'X'],
      [1301, 'X'],
      [610, 'O'],
      [378, 'X'],
      [332, 'X'],
      [118, 'O'],
      [355, 'X'],
      [380, 'X'],
      [380, 'O'],
      [331, 'O'],
      [127, 'X'],
      [770, 'O'],
      [352, 'X'],
      [819, 'O'],
    ],
    syntax: ['R0203', 'P0304', 'P0607', 'P0910', 'C1110', 'C1413', 'C1615'],
  },
  {
    id: 'ITD',
    name: 'Terms of Sale/Deferred Terms of Sale',
    elements: [
      [336, 'O'],
      [333, 'O'],
      [338, 'O'],
      [370, 'X'],
      [351, 'X'],
      [446, 'O'],
      [386, 'O'],
      [362, 'O'],
      [388, 'O'],
      [389, 'X'],
      [342, 'X'],
      [352, 'O'],
      [765, 'X'],
      [107, 'O'],
      [954, 'O'],
    ],
    syntax: ['L03040513', 'L08040513', 'L091011'],
  },
  {
    id: 'DTM',
    name: 'Date/Time Reference',
    elements: [
      [374, 'M'],
      [373, 'X'],
      [337, 'X'],
      [623, 'O'],
      [1250, 'X'],
      [1251, 'X'],
    ],
    syntax: ['R020305', 'C0403', 'P0506'],
  },
  {
    id: 'LIN',
    name: 'Item Identification',
    elements: [[350, 'O'], [235, 'M'], [234, 'M'], ...pairs(14, 235, 234)],
    syntax: pairedNotes(4, 14),
  },
  {
    id: 'PID',
    name: 'Product/Item Description',
    elements: [
      [349, 'M'],
      [750, 'O'],
      [559, 'X'],
      [751, 'X'],
      [352, 'X'],
      [752, 'O'],
      [822, 'O'],
      [1073, 'O'],
      [819, 'O'],
    ],
    syntax: ['C0403', 'R0405', 'C0703', 'C0804', 'C0905'],
  },
  {
    id: 'MEA',
    name: 'Measurements',
    elements: [
      [737, 'O'],
      [738, 'O'],
      [739, 'X'],
      ['C001', 'X'],
      [740, 'X'],
      [741, 'X'],
      [935, 'O'],
      [936, 'X'],
      [752, 'O'],
      [1373, 'O'],
    ],
    syntax: ['R03050608', 'C0504', 'C0604', 'L07030506', 'E0803'],
  },
  {
    id: 'PWK',
    name: 'Paperwork',
    elements: [
      [755, 'M'],
      [756, 'O'],
      [757, 'O'],
      [98, 'O'],
      [66, 'X'],
      [67, 'X'],
      [352, 'O'],
      ['C002', 'O'],
      [1525, 'O'],
    ],
    syntax: ['P0506'],
  },
  {
    id: 'PKG',
    name: 'Marking, Packaging, Loading',
    elements: [
      [349, 'X'],
      [753, 'O'],
      [559, 'X'],
      [754, 'X'],
      [352, 'X'],
      [400, 'X'],
    ],
    syntax: ['R040506', 'C0403', 'C0501'],
  },
  {
    id: 'TD1',
    name: 'Carrier Details (Quantity and Weight)',
    elements: [
      [103, 'O'],
      [80, 'X'],
      [23, 'O'],
      [22, 'X'],
      [79, 'O'],
      [187, 'O'],
      [81, 'X'],
      [355, 'X'],
      [183, 'X'],
      [355, 'X'],
    ],
    syntax: ['C0102', 'C0304', 'C0607', 'P0708', 'P0910'],
  },
  {
    id: 'TD5',
    name: 'Carrier Details (Routing Sequence/Transit Time)',
    elements: [
      [133, 'O'],
      [66, 'X'],
      [67, 'X'],
      [91, 'X'],
      [387, 'X'],
      [368, 'X'],
      [309, 'O'],
      [310, 'X'],
      [731, 'O'],
      [732, 'O'],
      [733, 'X'],
      [284, 'X'],
      [284, 'X'],
      [284, 'X'],
      [26, 'X'],
    ],
    syntax: ['R0204050612', 'C0203', 'C0708', 'C1011', 'C1312', 'C1413', 'C1512'],
  },
  {
    id: 'TD3',
    name: 'Carrier Details (Equipment)',
    elements: [
      [40, 'X'],
      [206, 'O'],
      [207, 'X'],
      [187, 'O'],
      [81, 'X'],
      [355, 'X'],
      [102, 'O'],
      [407, 'O'],
      [225, 'O'],
      [24, 'X'],
    ],
    syntax: ['E0110', 'C0203', 'C0405', 'P0506'],
  },
  {
    id: 'TD4',
    name: 'Carrier Details (Special Handling, or Hazardous Materials, or Both)',
    elements: [
      [152, 'X'],
      [208, 'X'],
      [209, 'X'],
      [352, 'X'],
      [1073, 'O'],
    ],
    syntax: ['R010204', 'C0203'],
  },
  {
    id: 'MAN',
    name: 'Marks and Numbers',
    elements: [
      [88, 'M'],
      [87, 'M'],
      [87, 'O'],
      [88, 'X'],
      [87, 'X'],
      [87, 'O'],
    ],
    syntax: ['P0405', 'C0605'],
  },
  {
    id: 'TXI',
    name: 'Tax Information',
    elements: [
      [963, 'M'],
      [782, 'X'],
      [954, 'X'],
      [955, 'X'],
      [956, 'X'],
      [441, 'X'],
      [662, 'O'],
      [828, 'O'],
      [325, 'O'],
      [350, 'O'],
    ],
    syntax: ['R020306', 'P0405', 'C0803'],
  },
  {
    id: 'AMT',
    name: 'Monetary Amount',
    elements: [
      [522, 'M'],
      [782, 'M'],
      [478, 'O'],
    ],
  },
  {
    id: 'N9',
    name: 'Reference Identification',
    elements: [
      [128, 'M'],
      [127, 'X'],
      [369, 'X'],
      [373, 'O'],
      [337, 'X'],
      [623, 'O'],
      ['C040', 'O'],
    ],
    syntax: ['R0203', 'C0605'],
  },
  {
    id: 'MSG',
    name: 'Message Text',
    elements: [
      [933, 'M'],
      [934, 'X'],
      [1470, 'O'],
    ],
    syntax: ['C0302'],
  },
  {
    id: 'N1',
    name: 'Name',
    elements: [
      [98, 'M'],
      [93, 'X'],
      [66, 'X'],
      [67, 'X'],
      [706, 'O'],
      [98, 'O'],
    ],
    syntax: ['R0203', 'P0304'],
  },
  {
    id: 'N2',
    name: 'Additional Name Information',
    elements: [
      [93, 'M'],
      [93, 'O'],
    ],
  },
  {
    id: 'N3',
    name: 'Address Information',
    elements: [
      [166, 'M'],
      [166, 'O'],
    ],
  },
  {
    id: 'PO1',
    name: 'Baseline Item Data',
    elements: [[350, 'O'], [330, 'X'], [355, 'O'], [212, 'X'], [639, 'O'], ...pairs(10, 235, 234)],
    syntax: ['C0302', 'C0504', ...pairedNotes(6, 10)],
  },
  {
    id: 'PO3',
    name: 'Additional Item Detail',
    elements: [
      [371, 'M'],
      [373, 'O'],
      [236, 'X'],
      [212, 'O'],
      [639, 'X'],
      [380, 'M'],
      [355, 'M'],
      [352, 'O'],
    ],
    syntax: ['L040305'],
  },
  {
    id: 'PO4',
    name: 'Item Physical Details',
    elements: [
      [356, 'O'],
      [357, 'X'],
      [355, 'X'],
      [103, 'X'],
      [187, 'O'],
      [384, 'X'],
      [355, 'X'],
      [385, 'X'],
      [355, 'X'],
      [82, 'X'],
      [189, 'X'],
      [65, 'X'],
      [355, 'X'],
      [810, 'O'],
      [752, 'O'],
      [350, 'X'],
      [350, 'O'],
      [1470, 'O'],
    ],
    syntax: ['P0203', 'C0506', 'P0607', 'P0809', 'C1013', 'C1113', 'C1213', 'L13101112', 'C1716', 'C1804'],
  },
  {
    id: 'QTY',
    name: 'Quantity',
    elements: [
      [673, 'M'],
      [380, 'X'],
      ['C001', 'O'],
      [61, 'X'],
    ],
    syntax: ['R0204', 'E0204'],
  },
  {
    id: 'SCH',
    name: 'Line Item Schedule',
    elements: [
      [380, 'M'],
      [355, 'M'],
      [98, 'O'],
      [93, 'X'],
      [374, 'M'],
      [373, 'M'],
      [337, 'O'],
      [374, 'X'],
      [373, 'X'],
      [337, 'X'],
      [326, 'O'],
      [350, 'O'],
    ],
    syntax: ['C0304', 'L080910', 'C0908'],
  },
  {
    id: 'CTT',
    name: 'Transaction Totals',
    elements: [
      [354, 'M'],
      [347, 'O'],
      [81, 'X'],
      [355, 'X'],
      [183, 'X'],
      [355, 'X'],
      [352, 'O'],
    ],
    syntax: ['P0304', 'P0506'],
  },
  {
    id: 'ACK',
    name: 'Line Item Acknowledgment',
    // ACK27–ACK29 (agency qualifier, source subqualifier, industry code) are taken as optional without
    // syntax notes: their notes could not be confirmed, and a guessed note would reject valid files.
    elements: [
      [668, 'M'],
      [380, 'X'],
      [355, 'X'],
      [374, 'O'],
      [373, 'X'],
      [326, 'O'],
      ...pairs(10, 235, 234),
      [559, 'O'],
      [822, 'O'],
      [1271, 'O'],
    ],
    syntax: ['P0203', 'C0405', ...pairedNotes(7, 10)],
  },
  {
    id: 'HL',
    name: 'Hierarchical Level',
    elements: [
      [628, 'M'],
      [734, 'O'],
      [735, 'M'],
      [736, 'O'],
    ],
  },
  {
    id: 'SN1',
    name: 'Item Detail (Shipment)',
    elements: [
      [350, 'O'],
      [382, 'M'],
      [355, 'M'],
      [646, 'O'],
      [330, 'X'],
      [355, 'X'],
      [728, 'O'],
      [668, 'O'],
    ],
    syntax: ['P0506'],
  },
  {
    id: 'PRF',
    name: 'Purchase Order Reference',
    elements: [
      [324, 'M'],
      [328, 'O'],
      [327, 'O'],
      [373, 'O'],
      [350, 'O'],
      [367, 'O'],
      [92, 'O'],
    ],
  },
  {
    id: 'IT1',
    name: 'Baseline Item Data (Invoice)',
    elements: [[350, 'O'], [358, 'X'], [355, 'X'], [212, 'X'], [639, 'O'], ...pairs(10, 235, 234)],
    syntax: ['P020304', 'C0504', ...pairedNotes(6, 10)],
  },
  {
    id: 'CRC',
    name: 'Conditions Indicator',
    elements: [[1136, 'M'], [1073, 'M'], [1321, 'M'], ...times(4, 1321, 'O')],
  },
  {
    id: 'CAD',
    name: 'Carrier Detail',
    elements: [
      [91, 'O'],
      [206, 'O'],
      [207, 'O'],
      [140, 'X'],
      [387, 'X'],
      [368, 'O'],
      [128, 'O'],
      [127, 'X'],
      [284, 'O'],
    ],
    syntax: ['R0405', 'C0708'],
  },
  { id: 'TDS', name: 'Total Monetary Value Summary', elements: [[610, 'M'], ...times(3, 610, 'O')] },
  { id: 'LS', name: 'Loop Header', elements: [[447, 'M']] },
  { id: 'LE', name: 'Loop Trailer', elements: [[447, 'M']] },
  {
    id: 'LM',
    name: 'Code Source Information',
    elements: [
      [559, 'M'],
      [822, 'O'],
    ],
  },
  {
    id: 'LQ',
    name: 'Industry Code',
    elements: [
      [1270, 'O'],
      [1271, 'X'],
    ],
    syntax: ['C0102'],
  },
  {
    id: 'TC2',
    name: 'Commodity',
    elements: [
      [23, 'M'],
      [22, 'M'],
    ],
  },
  {
    id: 'LDT',
    name: 'Lead Time',
    elements: [
      [345, 'M'],
      [380, 'M'],
      [344, 'O'],
      [373, 'O'],
    ],
  },
  {
    id: 'CN1',
    name: 'Contract Information',
    elements: [
      [1166, 'M'],
      [782, 'O'],
      [332, 'O'],
      [127, 'O'],
      [338, 'O'],
      [799, 'O'],
    ],
  },
  {
    id: 'AK3',
    name: 'Data Segment Note',
    elements: [
      [721, 'M'],
      [719, 'M'],
      [447, 'O'],
      [720, 'O'],
    ],
  },
  {
    id: 'AK4',
    name: 'Data Element Note',
    elements: [
      ['C030', 'M'],
      [725, 'O'],
      [723, 'M'],
      [724, 'O'],
    ],
  },
  {
    id: 'AK5',
    name: 'Transaction Set Response Trailer',
    elements: [[717, 'M'], ...times(5, 718, 'O')],
  },
  {
    id: 'AK9',
    name: 'Functional Group Response Trailer',
    elements: [[715, 'M'], [97, 'M'], [123, 'M'], [2, 'M'], ...times(5, 716, 'O')],
  },
];

const ONLY_004010: readonly SegmentSpec[] = [
  {
    id: 'ST',
    name: 'Transaction Set Header',
    elements: [
      [143, 'M'],
      [329, 'M'],
    ],
  },
  {
    id: 'N4',
    name: 'Geographic Location',
    elements: [
      [19, 'O'],
      [156, 'O'],
      [116, 'O'],
      [26, 'O'],
      [309, 'X'],
      [310, 'O'],
    ],
    syntax: ['C0605'],
  },
  {
    id: 'AK1',
    name: 'Functional Group Response Header',
    elements: [
      [479, 'M'],
      [28, 'M'],
    ],
  },
  {
    id: 'AK2',
    name: 'Transaction Set Response Header',
    elements: [
      [143, 'M'],
      [329, 'M'],
    ],
  },
];

const ONLY_005010: readonly SegmentSpec[] = [
  {
    id: 'ST',
    name: 'Transaction Set Header',
    elements: [
      [143, 'M'],
      [329, 'M'],
      [1705, 'O'],
    ],
  },
  {
    id: 'N4',
    name: 'Geographic Location',
    elements: [
      [19, 'O'],
      [156, 'X'],
      [116, 'O'],
      [26, 'X'],
      [309, 'X'],
      [310, 'O'],
      [1715, 'X'],
    ],
    syntax: ['E0207', 'C0605', 'C0704'],
  },
  {
    id: 'AK1',
    name: 'Functional Group Response Header',
    elements: [
      [479, 'M'],
      [28, 'M'],
      [480, 'O'],
    ],
  },
  {
    id: 'AK2',
    name: 'Transaction Set Response Header',
    elements: [
      [143, 'M'],
      [329, 'M'],
      [1705, 'O'],
    ],
  },
  {
    id: 'MTX',
    name: 'Text',
    elements: [
      [363, 'O'],
      [1551, 'X'],
      [1551, 'O'],
      [934, 'X'],
      [1470, 'O'],
      [819, 'O'],
    ],
    syntax: ['C0102', 'C0302', 'C0504'],
  },
  {
    id: 'IK3',
    name: 'Implementation Data Segment Note',
    elements: [
      [721, 'M'],
      [719, 'M'],
      [447, 'O'],
      [620, 'O'],
    ],
  },
  {
    id: 'IK4',
    name: 'Implementation Data Element Note',
    elements: [
      ['C030', 'M'],
      [725, 'O'],
      [621, 'M'],
      [724, 'O'],
    ],
  },
  {
    id: 'IK5',
    name: 'Implementation Transaction Set Response Trailer',
    elements: [[717, 'M'], ...times(5, 618, 'O')],
  },
  {
    id: 'CTX',
    name: 'Context',
    // CTX01 repeats up to 10 times. The standard's syntax notes for CTX02–CTX05 are not applied here
    // (stupidedi gives none and takes CTX02/CTX03 as optional); see the package notes.
    elements: [
      ['C998', 'M', 10],
      [721, 'O'],
      [719, 'O'],
      [447, 'O'],
      ['C030', 'O'],
      ['C999', 'O'],
    ],
  },
];

function elementDef(dict: Readonly<Record<number, ElementEntry>>, ref: number, req: Requirement): ElementDef {
  const entry = dict[ref];
  if (!entry) throw new Error(`X12 dictionary: element ${ref} is not defined`);
  const def: ElementDef = { ref, name: entry.name, type: entry.type, min: entry.min, max: entry.max, req };
  return entry.codes ? { ...def, codes: entry.codes } : def;
}

function compositeDef(
  dict: Readonly<Record<number, ElementEntry>>,
  composites: Record<CompositeId, CompositeSpec>,
  id: CompositeId,
  req: Requirement,
): CompositeElementDef {
  const spec = composites[id];
  if (spec.components.length === 0) throw new Error(`X12 dictionary: composite ${id} is not defined here`);
  const components = spec.components.map(([ref, r]) => {
    if (typeof ref !== 'number') throw new Error(`X12 dictionary: composite ${id} nests ${ref}`);
    return elementDef(dict, ref, r);
  });
  // A composite has no type or length of its own: `type`/`min`/`max` bound its whole text (components
  // and separators) so that a length check on the raw text cannot reject a valid composite.
  const max = components.reduce((sum, c) => sum + c.max, 0) + components.length - 1;
  return { ref: 0, compositeId: id, name: spec.name, type: 'AN', min: 1, max, req, components };
}

function build(
  specs: readonly SegmentSpec[],
  dict: Readonly<Record<number, ElementEntry>>,
  composites: Record<CompositeId, CompositeSpec>,
): Record<string, SegmentDef> {
  const out: Record<string, SegmentDef> = {};
  for (const spec of specs) {
    const elements = spec.elements.map(([ref, req, repeat]) => {
      const def =
        typeof ref === 'number' ? elementDef(dict, ref, req) : compositeDef(dict, composites, ref, req);
      return repeat && repeat > 1 ? { ...def, repeat } : def;
    });
    out[spec.id] = spec.syntax
      ? { id: spec.id, name: spec.name, elements, syntax: spec.syntax }
      : {
          id: spec.id,
          name: spec.name,
          elements,
        };
  }
  return out;
}

export const SEGMENTS_004010: Readonly<Record<string, SegmentDef>> = build(
  [...ONLY_004010, ...COMMON],
  ELEMENTS_004010,
  COMPOSITES_004010,
);

export const SEGMENTS_005010: Readonly<Record<string, SegmentDef>> = build(
  [...ONLY_005010, ...COMMON],
  ELEMENTS_005010,
  COMPOSITES_005010,
);

const I = INTERCHANGE_ELEMENTS;

/**
 * TA1 Interchange Acknowledgment (the same in 00401 and 00501). Its elements are interchange elements
 * (I12, I08, I09, I17, I18): `ref` carries the number after the "I".
 */
export const TA1: SegmentDef = {
  id: 'TA1',
  name: 'Interchange Acknowledgment',
  elements: [
    { ref: 12, name: I.I12.name, type: I.I12.type, min: I.I12.min, max: I.I12.max, req: 'M' },
    { ref: 8, name: I.I08.name, type: I.I08.type, min: I.I08.min, max: I.I08.max, req: 'M' },
    { ref: 9, name: I.I09.name, type: I.I09.type, min: I.I09.min, max: I.I09.max, req: 'M' },
    {
      ref: 17,
      name: I.I17.name,
      type: I.I17.type,
      min: I.I17.min,
      max: I.I17.max,
      req: 'M',
      codes: I.I17.codes,
    },
    {
      ref: 18,
      name: I.I18.name,
      type: I.I18.type,
      min: I.I18.min,
      max: I.I18.max,
      req: 'M',
      codes: I.I18.codes,
    },
  ],
};

export const SEGMENTS: Readonly<Record<Version, Readonly<Record<string, SegmentDef>>>> = {
  '004010': SEGMENTS_004010,
  '005010': SEGMENTS_005010,
};
