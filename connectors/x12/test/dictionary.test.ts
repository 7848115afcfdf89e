import { describe, expect, it } from 'vitest';
import {
  baseVersion,
  type CompositeElementDef,
  OMITTED,
  SEGMENTS,
  segmentDef,
  segmentIds,
  TA1,
  TRANSACTION_SETS,
  transactionSet,
  VERSIONS,
} from '../src/dictionary/index.ts';
import type { ElementDef, SegmentDef, StructureEntry, TransactionSetDef } from '../src/types.ts';

const allSets: TransactionSetDef[] = VERSIONS.flatMap((v) => Object.values(TRANSACTION_SETS[v]));
const allSegments: SegmentDef[] = [...VERSIONS.flatMap((v) => Object.values(SEGMENTS[v])), TA1];

/** The positions a syntax note names: "L13101112" → [13, 10, 11, 12]. */
function notePositions(note: string): number[] {
  const digits = note.slice(1);
  return Array.from({ length: digits.length / 2 }, (_, i) => Number(digits.slice(2 * i, 2 * i + 2)));
}

function walk(
  entries: readonly StructureEntry[],
  visit: (e: StructureEntry, depth: number) => void,
  depth = 0,
) {
  for (const e of entries) {
    visit(e, depth);
    if ('loop' in e) walk(e.entries, visit, depth + 1);
  }
}

function el(seg: SegmentDef | undefined, position: number): ElementDef {
  const def = seg?.elements[position - 1];
  if (!def) throw new Error(`no element ${position} in ${seg?.id}`);
  return def;
}

describe('dictionary shape', () => {
  it('defines every segment each structure names, and nothing it does not name', () => {
    for (const set of allSets) {
      const named = segmentIds(set.structure).sort();
      expect(Object.keys(set.segments).sort(), `${set.id}/${set.version}`).toEqual(named);
      for (const id of named) expect(set.segments[id]?.id).toBe(id);
    }
  });

  it('puts ST first and SE last, both mandatory and once', () => {
    for (const set of allSets) {
      const first = set.structure[0];
      const last = set.structure[set.structure.length - 1];
      expect(first).toEqual({ segment: 'ST', req: 'M', max: 1 });
      expect(last).toEqual({ segment: 'SE', req: 'M', max: 1 });
    }
  });

  it('starts every loop with its trigger segment, and gives every entry a positive max', () => {
    for (const set of allSets) {
      walk(set.structure, (e) => {
        expect(e.max).toBeGreaterThan(0);
        if ('loop' in e) {
          const trigger = e.entries[0];
          expect(trigger && 'segment' in trigger && trigger.segment, `${set.id} loop ${e.loop}`).toBe(e.loop);
          expect(trigger).toMatchObject({ req: 'M', max: 1 });
        }
      });
    }
  });

  it('gives every element a sane type and length, composites included', () => {
    const check = (def: ElementDef, where: string) => {
      expect(def.min, where).toBeGreaterThanOrEqual(1);
      expect(def.min, where).toBeLessThanOrEqual(def.max);
      expect(['M', 'O', 'X']).toContain(def.req);
      if (def.type === 'DT') expect([6, 8]).toContain(def.max);
      if (def.type === 'TM') expect(def.max).toBeLessThanOrEqual(8);
      for (const c of def.components ?? []) check(c, `${where} component`);
    };
    for (const seg of allSegments) {
      seg.elements.forEach((def, i) => {
        check(def, `${seg.id}${i + 1}`);
      });
    }
  });

  it('writes syntax notes whose positions exist in the segment', () => {
    for (const seg of allSegments) {
      for (const note of seg.syntax ?? []) {
        expect(note, seg.id).toMatch(/^[PRECL](\d\d){2,}$/);
        for (const p of notePositions(note)) {
          expect(p, `${seg.id} ${note}`).toBeGreaterThanOrEqual(1);
          expect(p, `${seg.id} ${note}`).toBeLessThanOrEqual(seg.elements.length);
        }
      }
    }
  });

  it('marks an element X only if a syntax note governs it, and never makes an M element conditional', () => {
    for (const seg of allSegments) {
      const governed = new Set((seg.syntax ?? []).flatMap(notePositions));
      seg.elements.forEach((def, i) => {
        if (def.req === 'X')
          expect(governed.has(i + 1), `${seg.id}${String(i + 1).padStart(2, '0')}`).toBe(true);
        if (def.req === 'M')
          expect(governed.has(i + 1), `${seg.id}${String(i + 1).padStart(2, '0')} is M`).toBe(false);
      });
    }
  });
});

describe('look-ups', () => {
  it('reads the base version from GS08, suffix and all', () => {
    expect(baseVersion('004010VICS')).toBe('004010');
    expect(baseVersion('005010X231A1')).toBe('005010');
    expect(baseVersion('004060')).toBeUndefined();
    expect(transactionSet('850', '004010VICS')?.version).toBe('004010');
    expect(transactionSet('850', '005010')?.functionalId).toBe('PO');
    expect(transactionSet('999', '005010X231A1')?.name).toBe('Implementation Acknowledgment');
    expect(transactionSet('999', '004010')).toBeUndefined();
    expect(transactionSet('850', '003040')).toBeUndefined();
    expect(transactionSet('940', '004010')).toBeUndefined();
    expect(segmentDef('PO1', '004010VICS')?.name).toBe('Baseline Item Data');
    expect(segmentDef('TA1', '005010')).toBe(TA1);
    expect(segmentDef('PO1', '002001')).toBeUndefined();
  });

  it('lists what each table leaves out, and never a segment the table does name', () => {
    for (const set of allSets) {
      const omitted = OMITTED[set.id];
      expect(omitted, set.id).toBeDefined();
      for (const id of omitted ?? [])
        expect(set.segments[id], `${set.id}/${set.version} ${id}`).toBeUndefined();
    }
  });

  it('names the functional group of each set', () => {
    const ids = Object.fromEntries(allSets.map((s) => [s.id, s.functionalId]));
    expect(ids).toEqual({ '850': 'PO', '855': 'PR', '856': 'SH', '810': 'IN', '997': 'FA', '999': 'FA' });
  });
});

describe('known facts of the standard', () => {
  const po1 = segmentDef('PO1', '004010');
  const po4 = segmentDef('PO4', '004010');

  it('PO1: P0607 (and the other qualifier/ID pairs), PO101 AN 1/20, PO102 R 1/15 in both versions', () => {
    expect(po1?.syntax).toContain('P0607');
    expect(po1?.syntax).toContain('P2425');
    expect(po1?.syntax).toContain('C0302');
    expect(el(po1, 1)).toMatchObject({ ref: 350, type: 'AN', min: 1, max: 20, req: 'O' });
    for (const v of VERSIONS)
      expect(el(SEGMENTS[v]['PO1'], 2)).toMatchObject({ ref: 330, type: 'R', min: 1, max: 15 });
    expect(el(po1, 7)).toMatchObject({ ref: 234, type: 'AN', min: 1, max: 48 });
    expect(po1?.elements).toHaveLength(25);
  });

  it('PO4: C0506 and P0607, 18 elements', () => {
    expect(po4?.syntax).toEqual(expect.arrayContaining(['C0506', 'P0607', 'P0809', 'L13101112']));
    expect(po4?.elements).toHaveLength(18);
    expect(el(po4, 5)).toMatchObject({ ref: 187, req: 'O' });
    expect(el(po4, 6)).toMatchObject({ ref: 384, type: 'R', req: 'X' });
  });

  it('BEG: mandatory in the 850, BEG03 AN 1/22, BEG05 a date', () => {
    for (const v of VERSIONS) {
      expect(transactionSet('850', v)?.structure[1]).toEqual({ segment: 'BEG', req: 'M', max: 1 });
    }
    const beg = segmentDef('BEG', '004010');
    expect(el(beg, 3)).toMatchObject({ ref: 324, type: 'AN', min: 1, max: 22, req: 'M' });
    expect(el(beg, 5)).toMatchObject({ ref: 373, type: 'DT', min: 8, max: 8, req: 'M' });
    expect(el(beg, 4).req).toBe('O');
  });

  it('850: the PO1 loop is mandatory (100000), the CTT loop optional', () => {
    for (const v of VERSIONS) {
      const set = transactionSet('850', v);
      const po1Loop = set?.structure.find((e) => 'loop' in e && e.loop === 'PO1');
      const cttLoop = set?.structure.find((e) => 'loop' in e && e.loop === 'CTT');
      expect(po1Loop).toMatchObject({ req: 'M', max: 100000 });
      expect(cttLoop).toMatchObject({ req: 'O', max: 1 });
    }
  });

  it('855 makes its PO1 loop optional, 856 its HL loop mandatory, 810 its TDS mandatory', () => {
    const top = (id: string, v: string, key: string) =>
      transactionSet(id, v)?.structure.find((e) => ('loop' in e ? e.loop : e.segment) === key);
    expect(top('855', '004010', 'PO1')).toMatchObject({ req: 'O' });
    expect(top('856', '005010', 'HL')).toMatchObject({ req: 'M', max: 200000 });
    expect(top('810', '004010', 'TDS')).toMatchObject({ req: 'M', max: 1 });
  });

  it('REF02 is AN 1/30 in 004010 and AN 1/50 in 005010; N4 gains N407 and E0207 in 005010', () => {
    expect(el(segmentDef('REF', '004010'), 2)).toMatchObject({ type: 'AN', max: 30 });
    expect(el(segmentDef('REF', '005010'), 2)).toMatchObject({ type: 'AN', max: 50 });
    expect(segmentDef('N4', '004010')?.elements).toHaveLength(6);
    expect(segmentDef('N4', '005010')?.syntax).toEqual(['E0207', 'C0605', 'C0704']);
    expect(segmentDef('ST', '005010')?.elements).toHaveLength(3);
  });

  it('REF04 is the C040 composite', () => {
    const ref04 = el(segmentDef('REF', '004010'), 4) as CompositeElementDef;
    expect(ref04.compositeId).toBe('C040');
    expect(ref04.components.map((c) => [c.ref, c.req])).toEqual([
      [128, 'M'],
      [127, 'M'],
      [128, 'X'],
      [127, 'X'],
      [128, 'X'],
      [127, 'X'],
    ]);
  });

  it('AK4: C030 (two components in 004010, three in 005010) and the 723 code list', () => {
    const ak4v4 = segmentDef('AK4', '004010');
    const ak4v5 = segmentDef('AK4', '005010');
    expect(el(ak4v4, 1).components).toHaveLength(2);
    expect(el(ak4v5, 1).components).toHaveLength(3);
    expect(el(ak4v4, 3).codes).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(el(ak4v5, 3).codes).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12', '13']);
    expect(el(segmentDef('AK3', '004010'), 4).codes).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(el(segmentDef('AK3', '004010'), 2)).toMatchObject({ type: 'N0', max: 6 });
    expect(el(segmentDef('AK3', '005010'), 2)).toMatchObject({ type: 'N0', max: 10 });
    expect(el(segmentDef('AK5', '004010'), 1).codes).toEqual(['A', 'E', 'M', 'R', 'W', 'X']);
    expect(el(segmentDef('AK9', '005010'), 1).codes).toEqual(['A', 'E', 'M', 'P', 'R', 'W', 'X']);
  });

  it('999: AK2 loop of IK3 loops (with CTX and IK4 loops) and a mandatory IK5', () => {
    const set = transactionSet('999', '005010X231A1');
    const ak2 = set?.structure.find((e) => 'loop' in e && e.loop === 'AK2');
    expect(
      ak2 && 'loop' in ak2 && ak2.entries.map((e) => ('loop' in e ? `loop:${e.loop}` : e.segment)),
    ).toEqual(['AK2', 'loop:IK3', 'IK5']);
    expect(el(segmentDef('CTX', '005010'), 1)).toMatchObject({ repeat: 10, req: 'M' });
  });

  it('TA1: N0 9/9, DT 6/6, TM 4/4, A/E/R, and note codes 000–031', () => {
    expect(TA1.elements.map((e) => [e.type, e.min, e.max])).toEqual([
      ['N0', 9, 9],
      ['DT', 6, 6],
      ['TM', 4, 4],
      ['ID', 1, 1],
      ['ID', 3, 3],
    ]);
    expect(TA1.elements[3]?.codes).toEqual(['A', 'E', 'R']);
    expect(TA1.elements[4]?.codes).toHaveLength(32);
    expect(TA1.elements[4]?.codes?.[31]).toBe('031');
  });
});
