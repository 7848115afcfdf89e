import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import nodeX12 from 'node-x12';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadResult, readInterchangesSync } from '../src/envelope.ts';
import { X12Tokenizer } from '../src/reader.ts';
import type { Delimiters } from '../src/types.ts';

/**
 * Our reader against node-x12, the reference X12 library, over our own fixtures (test/fixtures: the shapes
 * partners really send, and broken envelopes) and over every file of the shared corpus (real partner files, read
 * in place; CI checks the repository out with ../shared beside it). Where node-x12 reads a file right (it does not
 * throw and finds the interchanges the file holds), our parse must be the same: interchanges, ISA elements,
 * groups, sets, and every segment's tag and element values, in order. Where it is known to be wrong, the file is
 * listed with the reason, and what we read instead is asserted. Each broken fixture also has its verdict: the
 * TA1 note, the groups' AK9 codes, the sets' AK5 codes, and the interchange after the broken one accepted.
 */

const { X12FatInterchange, X12Parser } = nodeX12;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixturesDir = join(repoRoot, 'connectors/x12/test/fixtures');
const corpusDir = join(repoRoot, '../shared/corpus/edi');

/** A segment as its tag followed by its element values. */
type Seg = string[];

interface TreeGroup {
  gs: Seg;
  ge: Seg | null;
  /** Each set's segments, ST to SE. */
  sets: Seg[][];
}

interface TreeInterchange {
  isa: Seg;
  iea: Seg | null;
  groups: TreeGroup[];
}

/** What our tokenizer read, with where each interchange lies in the text (for cutting it out alone). */
interface OurReading {
  interchanges: (TreeInterchange & { start: number; end: number; delimiters: Delimiters })[];
  garbage: string[];
  badIsa: string[];
}

/** Our parse as a tree: the tokenizer's events put in interchanges, groups and sets the way node-x12 does. */
function readOurs(text: string): OurReading {
  const out: OurReading = { interchanges: [], garbage: [], badIsa: [] };
  let set: Seg[] | undefined;
  const tokenizer = new X12Tokenizer((event) => {
    const ic = out.interchanges.at(-1);
    switch (event.kind) {
      case 'isa':
        if (ic && !ic.iea) ic.end = event.offset;
        out.interchanges.push({
          isa: ['ISA', ...event.segment.elements],
          iea: null,
          groups: [],
          start: event.offset,
          end: text.length,
          delimiters: event.delimiters,
        });
        set = undefined;
        return;
      case 'garbage':
        out.garbage.push(event.text);
        return;
      case 'bad-isa':
        out.badIsa.push(event.reason);
        return;
      case 'end':
        return;
    }
    if (!ic) throw new Error(`a ${event.segment.id} segment outside any interchange`);
    const seg = [event.segment.id, ...event.segment.elements];
    const group = ic.groups.at(-1);
    switch (event.segment.id) {
      case 'GS':
        ic.groups.push({ gs: seg, ge: null, sets: [] });
        set = undefined;
        return;
      case 'GE':
        if (group) group.ge = seg;
        set = undefined;
        return;
      case 'IEA':
        ic.iea = seg;
        ic.end = text.indexOf(ic.delimiters.segment, event.offset) + 1 || text.length;
        set = undefined;
        return;
      case 'ST':
        set = [seg];
        group?.sets.push(set);
        return;
      default:
        // Segments outside ST/SE are dropped, as node-x12 does.
        set?.push(seg);
        if (event.segment.id === 'SE') set = undefined;
    }
  });
  tokenizer.push(text);
  tokenizer.end();
  return out;
}

/** Our tree in node-x12's terms: it stores ISA13 and IEA02 as numbers ("000000101" becomes "101"). */
function asNodeX12Does(reading: OurReading): TreeInterchange[] {
  const number = (s: string | undefined) => `${Number.parseInt(s ?? '', 10)}`;
  return reading.interchanges.map((ic) => ({
    isa: ic.isa.map((v, i) => (i === 13 ? number(v) : v)),
    iea: ic.iea && ic.iea.length === 3 ? [ic.iea[0]!, ic.iea[1]!, number(ic.iea[2])] : ic.iea,
    groups: ic.groups,
  }));
}

type NodeX12Result = ReturnType<InstanceType<typeof X12Parser>['parse']>;
type NodeX12Segment = { tag: string; elements: { value: string }[] };

function nodeX12Tree(parsed: NodeX12Result | undefined): TreeInterchange[] {
  // node-x12 returns nothing when it finds no ISA where it looks for one (at the very start of the text).
  if (parsed === undefined) return [];
  // A fat interchange is an Array subclass whose map() would build another one: copy it to a plain array.
  const interchanges = parsed instanceof X12FatInterchange ? [...parsed.interchanges] : [parsed];
  const seg = (s: NodeX12Segment): Seg => [s.tag, ...s.elements.map((e) => e.value)];
  return interchanges.map((ic) => ({
    isa: seg(ic.header),
    iea: ic.trailer ? seg(ic.trailer) : null,
    groups: ic.functionalGroups.map((g) => ({
      gs: seg(g.header),
      ge: g.trailer ? seg(g.trailer) : null,
      // node-x12 keeps ST and SE apart from the segments between them.
      sets: g.transactions.map((t) => [t.header, ...t.segments, ...(t.trailer ? [t.trailer] : [])].map(seg)),
    })),
  }));
}

interface NodeX12Reading {
  mode: 'non-strict' | 'strict';
  tree?: TreeInterchange[];
  error?: string;
}

function readWithNodeX12(text: string): NodeX12Reading[] {
  return (['non-strict', 'strict'] as const).map((mode) => {
    try {
      return { mode, tree: nodeX12Tree(new X12Parser(mode === 'strict').parse(text)) };
    } catch (error) {
      return { mode, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

function described(readings: NodeX12Reading[]): string {
  return readings
    .map((r) => `${r.mode}: ${r.error ? `throws "${r.error}"` : `${r.tree!.length} interchange(s)`}`)
    .join('; ');
}

/** Our verdict on one interchange: its TA1 note (null: no TA1), and each group's AK9 codes with its sets' AK5 codes. */
interface Verdict {
  ta1: string | null;
  groups: { status: 'A' | 'E' | 'P' | 'R'; codes: string[]; sets: string[][] }[];
}

interface Expectation {
  /** The ISA headers in the file. */
  interchanges: number;
  /** Why node-x12 cannot be the reference for the whole file (it throws, or reads it wrong). */
  nodeX12Wrong?: string;
  /** The interchanges (by index) that node-x12 reads right when each is given to it alone, cut from the file. */
  alone?: number[];
  verdicts?: Verdict[];
  /** The delimiters of each interchange. */
  delimiters?: Delimiters[];
  /** Segments in each set (ST to SE): interchange, group, set. */
  segments?: number[][][];
  /**
   * Element values as we read them, raw: "0 ISA-13" (interchange 0), "0.0 GE-02" (its group 0), "1.0.0 N4-03"
   * (the first N4 of set 0 of group 0 of interchange 1).
   */
  values?: Record<string, string>;
  /** Runs of text outside any interchange (each reported). */
  garbage?: number;
}

const accepted: Verdict = { ta1: null, groups: [{ status: 'A', codes: [], sets: [[]] }] };
const x12 = (element: string, component: string, segment: string, repetition?: string): Delimiters => ({
  element,
  component,
  segment,
  repetition,
});
const star = x12('*', '>', '~');
const oneSet = (n: number) => [[n]];

/** How non-strict node-x12 reads a file of several interchanges (strict keeps them apart, where it does not throw). */
const MERGES = 'non-strict merges the interchanges of a file into one';

const FIXTURES_EXPECTED: Record<string, Expectation> = {
  // Ours: the shapes partners send. node-x12 is the reference for these.
  '850-star-tilde-crlf.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [star],
    segments: [oneSet(14)],
    values: { '0 ISA-13': '000000101', '0.0.0 BEG-03': 'PO0001', '0.0.0 PO1-07': '012345678905' },
  },
  '850-bel-element.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [x12('\x07', '>', '~')],
    segments: [oneSet(14)],
    values: { '0 ISA-06': 'WIDGETWORKS    ', '0.0.0 N1-02': 'ACME DC 12', '0.0.0 PID-05': 'BLUE WIDGET' },
  },
  '850-pipe-element.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [x12('|', ':', '~')],
    segments: [oneSet(14)],
    values: { '0 ISA-16': ':', '0.0.0 N3-01': '4800 COMMERCE BLVD' },
  },
  '850-newline-terminator.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [x12('*', '>', '\n')],
    segments: [oneSet(14)],
    values: { '0.0.0 CTT-01': '2', '0 IEA-02': '000000104' },
  },
  '850-cr-terminator.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [x12('*', '>', '\r')],
    segments: [oneSet(14)],
    values: { '0.0.0 N4-03': '30336', '0 IEA-02': '000000105' },
  },
  '850-one-line.edi': {
    interchanges: 1,
    // ISA14 is 1: a TA1 is asked for, and it says no error.
    verdicts: [{ ...accepted, ta1: '000' }],
    delimiters: [star],
    segments: [oneSet(14)],
    values: { '0 ISA-14': '1', '0.0.0 SE-01': '14' },
  },
  '850-005010-repetition-caret.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [x12('*', ':', '~', '^')],
    segments: [oneSet(14)],
    values: { '0 ISA-11': '^', '0 ISA-12': '00501', '0.0 GS-08': '005010' },
  },
  '850-005010-repetition-dash.edi': {
    interchanges: 1,
    // The repetition separator is "-" and the data is full of dashes: no element here repeats, none is split.
    verdicts: [accepted],
    delimiters: [x12('*', '>', '~', '-')],
    segments: [oneSet(14)],
    values: {
      '0 ISA-11': '-',
      '0.0.0 N4-03': '31139-0020',
      '0.0.0 PER-04': '404-555-1212',
      '0.0.0 BEG-03': 'PO-4410578',
      '0.0.0 PO1-09': 'WID-100',
    },
  },
  '856-sopi.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [star],
    segments: [oneSet(23)],
    values: { '0.0 GS-01': 'SH', '0.0.0 HL-03': 'S', '0.0.0 MAN-02': '00001234567000000017' },
  },
  '810-invoice.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [star],
    segments: [oneSet(10)],
    values: { '0.0 GS-01': 'IN', '0.0.0 BIG-02': 'INV88120', '0.0.0 TDS-01': '54000' },
  },
  '997-ack.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [star],
    segments: [oneSet(6)],
    values: { '0.0.0 AK1-02': '4410', '0.0.0 AK9-04': '1' },
  },
  // Strict node-x12 reads both (non-strict merges them).
  'blank-lines-between-interchanges.edi': {
    interchanges: 2,
    verdicts: [accepted, accepted],
    delimiters: [star, star],
    segments: [oneSet(14), oneSet(23)],
  },
  'trailing-whitespace-eof.edi': {
    interchanges: 1,
    verdicts: [accepted],
    delimiters: [star],
    segments: [oneSet(10)],
    values: { '0 IEA-02': '000000141' },
  },

  // Ours, where node-x12 is wrong.
  '850-utf8-bom.edi': {
    interchanges: 1,
    nodeX12Wrong:
      'it reads the delimiters at fixed offsets from the start of the text, which a BOM shifts: non-strict finds no interchange, strict throws on the ISA length',
    alone: [0],
    verdicts: [accepted],
    delimiters: [star],
    segments: [oneSet(14)],
    values: { '0 ISA-01': '00', '0 ISA-13': '000000106', '0.0.0 BEG-03': 'PO0001' },
  },
  'three-interchanges-mixed-delimiters.edi': {
    interchanges: 3,
    nodeX12Wrong:
      'it takes the first ISA’s delimiters for the whole file: it finds the first interchange and silently drops the other two',
    alone: [0, 1, 2],
    verdicts: [accepted, accepted, accepted],
    delimiters: [star, x12('|', ':', '\n'), x12('!', ':', "'", '^')],
    segments: [oneSet(14), oneSet(6), oneSet(23)],
    values: {
      '1 ISA-13': '000000122',
      '1.0.0 AK1-02': '121',
      '2 ISA-11': '^',
      '2.0.0 MAN-02': '00001234567000000017',
      '2 IEA-02': '000000123',
    },
  },

  // Ours, broken; the interchange after the broken one is good.
  'broken-missing-iea.edi': {
    // Strict node-x12 reads the first interchange without its trailer, then the second.
    interchanges: 2,
    verdicts: [{ ta1: '023', groups: [] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0.0 GE-02': '201', '1 ISA-13': '000000202' },
  },
  'broken-iea01-group-count.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws on IEA01`,
    alone: [0, 1],
    verdicts: [{ ta1: '021', groups: [] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0 IEA-01': '2', '1 IEA-01': '1' },
  },
  'broken-iea02-control.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws on IEA02`,
    alone: [0, 1],
    verdicts: [{ ta1: '001', groups: [] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0 IEA-02': '000000229', '0 ISA-13': '000000221' },
  },
  'broken-ge01-count.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws on GE01`,
    alone: [0, 1],
    verdicts: [{ ta1: null, groups: [{ status: 'R', codes: ['5'], sets: [[]] }] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0.0 GE-01': '2' },
  },
  'broken-ge02-control.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws on GE02`,
    alone: [0, 1],
    verdicts: [{ ta1: null, groups: [{ status: 'R', codes: ['4'], sets: [[]] }] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0.0 GS-06': '241', '0.0 GE-02': '249' },
  },
  'broken-se01-count.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws on SE01`,
    alone: [0, 1],
    verdicts: [{ ta1: null, groups: [{ status: 'R', codes: [], sets: [['4']] }] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0.0.0 SE-01': '13' },
  },
  'broken-se02-control.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws on SE02`,
    alone: [0, 1],
    verdicts: [{ ta1: null, groups: [{ status: 'R', codes: [], sets: [['3']] }] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0.0.0 ST-02': '0001', '0.0.0 SE-02': '0009' },
  },
  'broken-duplicate-st02.edi': {
    // node-x12 does not check ST02 is unique; strict reads the file right.
    interchanges: 2,
    verdicts: [{ ta1: null, groups: [{ status: 'P', codes: [], sets: [[], ['23']] }] }, accepted],
    segments: [[[14, 14]], oneSet(14)],
    values: { '0.0.0 BEG-03': 'PO7001', '0.0.1 BEG-03': 'PO7002', '0.0.1 ST-02': '0001' },
  },
  'broken-garbage-between.edi': {
    interchanges: 2,
    nodeX12Wrong: `${MERGES}; strict throws: the text between them is read as part of the next ISA’s tag`,
    alone: [0, 1],
    verdicts: [accepted, accepted],
    segments: [oneSet(14), oneSet(14)],
    garbage: 1,
  },
  'broken-isa-not-fixed-width.edi': {
    interchanges: 2,
    nodeX12Wrong:
      'it reads the delimiters at fixed offsets: non-strict finds no group, strict throws on the length',
    alone: [1],
    verdicts: [{ ta1: '022', groups: [] }, accepted],
    segments: [oneSet(14), oneSet(14)],
    values: { '0 ISA-02': '', '0 ISA-06': 'WIDGETWORKS', '0 ISA-16': '>', '0.0.0 BEG-03': 'PO0001' },
  },
};

/**
 * The shared corpus (it may grow: a file not listed here must be one node-x12 reads right). node-x12 reads every
 * file of it right today, strict or not, but for the two below that only one of its modes reads.
 */
const CORPUS_EXPECTED: Record<string, Expectation> = {
  // Strict only (non-strict merges the two). The same interchange twice: the second is a duplicate, rejected.
  'node-x12__MALFORMED_850_two-isa-same-control-number.edi': {
    interchanges: 2,
    verdicts: [accepted, { ta1: '025', groups: [] }],
    values: { '0 ISA-13': '000003438', '1 ISA-13': '000003438' },
  },
  // Non-strict only (strict throws on SE01): ISA16 says "$" ends a segment, so the "~" lines are inside one segment.
  'stupidedi__MALFORMED_856_004010_mixed-terminators-blank-lines.edi': {
    interchanges: 1,
    verdicts: [{ ta1: null, groups: [{ status: 'R', codes: [], sets: [['4', '5']] }] }],
    delimiters: [x12('*', '{', '$')],
    segments: [oneSet(22)],
  },
};

/** The ISA headers in a text, counted without our reader: "ISA" then a delimiter, at a segment's start. */
function countIsa(text: string): number {
  return text.match(/(?:^|[^A-Za-z0-9])ISA(?=[^A-Za-z0-9\s])/g)?.length ?? 0;
}

function ediFiles(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.edi'))
        .sort()
    : [];
}

const fixtures = ediFiles(fixturesDir);
const corpus = ediFiles(corpusDir);
const files = [
  ...fixtures.map((name) => ({ name, path: join(fixturesDir, name), ours: true })),
  ...corpus.map((name) => ({ name, path: join(corpusDir, name), ours: false })),
];

/** "1.0.0 N4-03" → that element of our reading. */
function valueAt(reading: OurReading, key: string): string | undefined {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)? ([A-Z][A-Z0-9]{1,2})-(\d\d)$/.exec(key);
  if (!m) throw new Error(`a value key such as "0.0.0 N4-03", not "${key}"`);
  const [, i, g, s, tag, n] = m;
  const ic = reading.interchanges[Number(i)];
  const group = g === undefined ? undefined : ic?.groups[Number(g)];
  const segments =
    g === undefined
      ? [ic?.isa, ic?.iea]
      : s === undefined
        ? [group?.gs, group?.ge]
        : (group?.sets[Number(s)] ?? []);
  return segments.find((seg) => seg?.[0] === tag)?.[Number(n)];
}

describe('the shared corpus', () => {
  it('is beside the repository, with X12 files in it', () => {
    expect(
      existsSync(corpusDir),
      `${corpusDir} is missing: check out the shared folder beside the repository (../shared)`,
    ).toBe(true);
    expect(corpus.length, `${corpusDir} holds no .edi file`).toBeGreaterThan(0);
  });
});

describe('our fixtures', () => {
  it('are all listed with what they hold, and every listed fixture exists', () => {
    expect(fixtures).toEqual(Object.keys(FIXTURES_EXPECTED).sort());
  });

  it('are small, each with the ISA count its expectation says', () => {
    for (const name of fixtures) {
      const bytes = readFileSync(join(fixturesDir, name));
      expect(bytes.length, name).toBeLessThan(3 * 1024);
      expect(countIsa(bytes.toString('utf8')), name).toBe(FIXTURES_EXPECTED[name]!.interchanges);
    }
  });

  it('hold the real control bytes (BEL, a lone CR, a BOM)', () => {
    const bytes = (name: string) => readFileSync(join(fixturesDir, name));
    expect(bytes('850-bel-element.edi')[3]).toBe(0x07);
    const cr = bytes('850-cr-terminator.edi');
    expect(cr[105]).toBe(0x0d);
    expect(cr.includes(0x0a)).toBe(false);
    expect([...bytes('850-utf8-bom.edi').subarray(0, 6)]).toEqual([0xef, 0xbb, 0xbf, 0x49, 0x53, 0x41]);
    expect(bytes('850-one-line.edi').some((b) => b === 0x0a || b === 0x0d)).toBe(false);
  });
});

describe.each(files)('$name', ({ name, path, ours }) => {
  const text = readFileSync(path, 'utf8');
  const expected = (ours ? FIXTURES_EXPECTED : CORPUS_EXPECTED)[name] ?? { interchanges: countIsa(text) };
  let reading: OurReading;
  let result: ReadResult;
  beforeAll(() => {
    reading = readOurs(text);
    result = readInterchangesSync(text, { keep: () => true });
  });

  it('has its interchanges read, each whole', () => {
    expect(reading.interchanges).toHaveLength(expected.interchanges);
    expect(reading.badIsa).toEqual([]);
    expect(reading.garbage).toHaveLength(expected.garbage ?? 0);
    expect(result.interchanges).toHaveLength(expected.interchanges);
    // Text outside any interchange is reported, never dropped.
    expect(result.problems).toHaveLength(expected.garbage ?? 0);
  });

  if (expected.nodeX12Wrong === undefined) {
    it('is read as node-x12 reads it: the same interchanges, ISA, groups, sets and segments', () => {
      const readings = readWithNodeX12(text);
      const right = readings.filter((r) => r.tree?.length === expected.interchanges);
      expect(
        right.length,
        `node-x12 cannot read ${name} (${described(readings)}): list it with the reason node-x12 is wrong`,
      ).toBeGreaterThan(0);
      for (const r of right) expect(asNodeX12Does(reading), `node-x12 ${r.mode}`).toEqual(r.tree);
    });
  } else {
    it(`is one node-x12 gets wrong: ${expected.nodeX12Wrong}`, () => {
      const mine = asNodeX12Does(reading);
      for (const r of readWithNodeX12(text)) {
        expect(
          r.error !== undefined || !isDeepStrictEqual(r.tree, mine),
          `node-x12 ${r.mode} now reads ${name} as we do: it is no longer wrong on it`,
        ).toBe(true);
      }
    });

    if (expected.alone?.length) {
      it(`has interchanges ${expected.alone.join(', ')} read as node-x12 reads each alone`, () => {
        const mine = asNodeX12Does(reading);
        for (const i of expected.alone!) {
          const ic = reading.interchanges[i]!;
          const readings = readWithNodeX12(text.slice(ic.start, ic.end));
          const right = readings.filter((r) => r.tree?.length === 1);
          expect(right.length, `interchange ${i}: ${described(readings)}`).toBeGreaterThan(0);
          for (const r of right) expect(mine[i], `interchange ${i}, node-x12 ${r.mode}`).toEqual(r.tree![0]);
        }
      });
    }
  }

  it('gets from the envelope reader the interchanges, groups and sets the tokenizer read', () => {
    result.interchanges.forEach((ic, i) => {
      const tree = reading.interchanges[i]!;
      const isa = (n: number) => tree.isa[n] ?? '';
      expect(ic.offset).toBe(tree.start);
      expect(ic.delimiters).toEqual(tree.delimiters);
      expect([ic.sender.qualifier, ic.sender.id, ic.receiver.qualifier, ic.receiver.id]).toEqual(
        [5, 6, 7, 8].map((n) => isa(n).trim()),
      );
      expect([ic.date, ic.time, ic.version, ic.control, ic.usage]).toEqual([9, 10, 12, 13, 15].map(isa));
      // A rejected interchange is acknowledged by its TA1 alone: none of its groups is reported.
      const groups = ic.ta1?.status === 'R' ? [] : tree.groups;
      expect(
        ic.groups.map((g) => ({
          gs: [g.functionalId, g.sender, g.receiver, g.date, g.time, g.control, g.version],
          sets: g.sets.map((s) => ({
            type: s.type,
            control: s.control,
            segments: s.segments?.map((seg) => [seg.id, ...seg.elements]),
          })),
        })),
      ).toEqual(
        groups.map((g) => ({
          gs: [1, 2, 3, 4, 5, 6, 8].map((n) => g.gs[n] ?? ''),
          sets: g.sets.map((segments) => ({ type: segments[0]![1], control: segments[0]![2], segments })),
        })),
      );
    });
  });

  if (ours || expected.verdicts) {
    it('has its verdict: TA1 note, AK9 codes, AK5 codes', () => {
      expect(expected.verdicts, `${name} needs its verdicts listed`).toBeDefined();
      expect(
        result.interchanges.map(
          (ic): Verdict => ({
            ta1: ic.ta1?.note ?? null,
            groups: ic.groups.map((g) => ({
              status: g.status,
              codes: g.codes,
              sets: g.sets.map((s) => s.codes),
            })),
          }),
        ),
      ).toEqual(expected.verdicts);
      // A set is accepted exactly when it has no AK5 code; a rejected interchange has its problems said.
      for (const ic of result.interchanges) {
        for (const s of ic.groups.flatMap((g) => g.sets)) expect(s.status).toBe(s.codes.length ? 'R' : 'A');
        if (ic.ta1?.status === 'R') expect(ic.problems.length).toBeGreaterThan(0);
      }
    });
  }

  if (expected.segments || expected.delimiters || expected.values) {
    it('has the segments, delimiters and element values we expect', () => {
      if (expected.segments) {
        expect(reading.interchanges.map((ic) => ic.groups.map((g) => g.sets.map((s) => s.length)))).toEqual(
          expected.segments,
        );
      }
      if (expected.delimiters)
        expect(reading.interchanges.map((ic) => ic.delimiters)).toEqual(expected.delimiters);
      for (const [key, value] of Object.entries(expected.values ?? {})) {
        expect(valueAt(reading, key), key).toBe(value);
      }
    });
  }
});

describe('an error in one interchange', () => {
  it('never blocks the next: in every broken fixture, the last interchange is accepted', () => {
    const broken = fixtures.filter((name) => name.startsWith('broken-'));
    expect(broken.length).toBeGreaterThanOrEqual(10);
    for (const name of broken) {
      const result = readInterchangesSync(readFileSync(join(fixturesDir, name), 'utf8'));
      const last = result.interchanges.at(-1)!;
      expect(result.interchanges.length, name).toBeGreaterThan(1);
      expect(last.ta1, name).toBeNull();
      expect(last.groups.length, name).toBeGreaterThan(0);
      for (const g of last.groups) {
        expect(g.status, name).toBe('A');
        for (const s of g.sets) expect(s.status, name).toBe('A');
      }
    }
  });
});

/**
 * The tokenizer streams: the same events must come out whatever the chunk size. Run in a child process with a
 * time limit, so that a tokenizer that loops forever fails the test instead of hanging the run.
 */
const CHILD = `
import { readFileSync } from 'node:fs';
const { tokenize, X12Tokenizer } = await import(process.env.X12_READER);
const { readInterchanges, readInterchangesSync } = await import(process.env.X12_ENVELOPE);
const job = JSON.parse(readFileSync(0, 'utf8'));
const say = (kind, value) => process.stdout.write(kind + ' ' + JSON.stringify(value) + '\\n');
function summary(events) {
  const out = [];
  for (const e of events) {
    if (e.kind === 'garbage') {
      const text = e.text.replace(/\\s+/g, '');
      if (out.at(-1)?.startsWith('garbage ')) out[out.length - 1] += text;
      else out.push('garbage ' + text);
    } else if (e.kind === 'isa') out.push(JSON.stringify(['isa', e.segment.elements, e.delimiters, e.notFixedWidth]));
    else if (e.kind === 'segment') out.push(JSON.stringify([e.segment.id, e.segment.elements]));
    else if (e.kind === 'bad-isa') out.push('bad-isa ' + e.reason);
    else out.push(e.kind);
  }
  return out;
}
async function* chunks(bytes, size) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const verdict = (ic) =>
  JSON.stringify([ic.control, ic.ta1?.note, ic.groups.map((g) => [g.control, g.codes, g.sets.map((s) => s.codes)])]);
for (const file of job.files) {
  const bytes = readFileSync(file);
  const text = new TextDecoder().decode(bytes);
  const whole = [];
  const t = new X12Tokenizer((e) => whole.push(e));
  t.push(text);
  t.end();
  if (job.size === 'cut') {
    const full = readInterchangesSync(text).interchanges.map(verdict);
    // The cut points: each ISA that follows a whole interchange (one ended by its IEA), or begins the file.
    const cuts = [];
    let closed = true;
    let k = 0;
    for (const e of whole) {
      if (e.kind === 'isa') {
        if (closed) cuts.push([e.offset, k]);
        k++;
        closed = false;
      } else if (e.kind === 'segment' && e.segment.id === 'IEA') closed = true;
    }
    for (const [offset, k] of cuts) {
      say('start', { file, at: offset + 3 });
      const read = readInterchangesSync(text.slice(0, offset + 3));
      const before = read.interchanges.slice(0, k).map(verdict);
      const reported = read.problems.length > 0 || read.interchanges.length > k;
      const wrong = JSON.stringify(before) !== JSON.stringify(full.slice(0, k)) ? 'the interchanges before the cut changed'
        : reported ? undefined : 'the cut ISA is not reported';
      say('done', { file, at: offset + 3, wrong });
    }
  } else {
    say('start', { file, size: job.size });
    const streamed = [];
    await tokenize(chunks(bytes, job.size), (e) => streamed.push(e));
    const a = summary(whole);
    const b = summary(streamed);
    const i = a.findIndex((x, n) => x !== b[n]);
    const at = i >= 0 ? i : a.length !== b.length ? Math.min(a.length, b.length) : -1;
    // And the envelope reader over the same chunks: the same verdicts, the same problems.
    const whole2 = readInterchangesSync(text);
    const read = await readInterchanges(chunks(bytes, job.size));
    const wrong = at >= 0 ? 'event ' + at + ': ' + a[at] + ' read whole, ' + b[at] + ' in chunks'
      : JSON.stringify(read.interchanges.map(verdict)) !== JSON.stringify(whole2.interchanges.map(verdict))
        ? 'verdicts ' + read.interchanges.map(verdict) + ' in chunks, ' + whole2.interchanges.map(verdict) + ' whole'
        : read.problems.length !== whole2.problems.length
          ? read.problems.length + ' problems in chunks, ' + whole2.problems.length + ' whole: ' + JSON.stringify(read.problems.slice(0, 3))
          : undefined;
    say('done', { file, size: job.size, wrong });
  }
}
`;

interface ChildLine {
  file: string;
  size?: number;
  at?: number;
  wrong?: string;
}

/** The children still running, killed when the tests end (a run filtered to one test must not leave them looping). */
const children = new Set<ChildProcess>();

function runChild(job: {
  size: number | 'cut';
  files: string[];
}): Promise<{ lines: string[]; failure?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: repoRoot,
      env: {
        ...process.env,
        X12_READER: pathToFileURL(join(repoRoot, 'connectors/x12/src/reader.ts')).href,
        X12_ENVELOPE: pathToFileURL(join(repoRoot, 'connectors/x12/src/envelope.ts')).href,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const lines = stdout.split('\n').filter(Boolean);
      const last = lines.at(-1);
      const failure = timedOut
        ? `the reader never finished ${last?.startsWith('start ') ? last.slice(6) : 'its first file'} (killed after 30 s)`
        : code !== 0
          ? `the child exited ${code}: ${stderr.slice(0, 1000)}`
          : undefined;
      resolve({ lines, failure });
    });
    child.stdin.end(JSON.stringify(job));
  });
}

describe('the streaming tokenizer', () => {
  const paths = files.map((f) => f.path);
  const sizes = [1, 2, 3, 5, 8, 64, 1000] as const;
  const runs = new Map<number | 'cut', ReturnType<typeof runChild>>();
  beforeAll(() => {
    for (const size of [...sizes, 'cut' as const]) runs.set(size, runChild({ size, files: paths }));
  });
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  async function check(size: number | 'cut') {
    const { lines, failure } = await runs.get(size)!;
    expect(failure).toBeUndefined();
    const done = lines.filter((l) => l.startsWith('done ')).map((l) => JSON.parse(l.slice(5)) as ChildLine);
    expect(done.filter((d) => d.wrong)).toEqual([]);
    expect(done.length).toBeGreaterThanOrEqual(paths.length);
  }

  it.each(sizes)('reads every file the same in chunks of %i bytes as whole', async (size) => {
    await check(size);
  });

  it('reads a file cut right after an ISA tag to its end, and reports the cut interchange', async () => {
    await check('cut');
  });
});
