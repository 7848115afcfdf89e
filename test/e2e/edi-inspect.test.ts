import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, repoRoot, scratchDir } from '../support/hub-process.ts';

/**
 * `switchyard edi inspect` over every file of the shared corpus (real partner files, read in place: they are
 * never copied into the repository). CI checks the repository out with ../shared beside it.
 */
const corpus = join(repoRoot, '../shared/corpus/edi');
const scratch = scratchDir('edi-inspect');
afterAll(() => scratch.remove());

interface Report {
  interchanges: {
    control: string;
    duplicate: boolean;
    ta1: { status: string; note: string } | null;
    groups: {
      status: string;
      ack: string | null;
      sets: {
        type: string;
        status: string;
        codes: string[];
        errors: { code: string; segment: string; position: number; element?: number }[];
        order?: { b2b: { poNumber: string }; lines: unknown[] };
      }[];
    }[];
  }[];
}

/** Each interchange as one line: control, TA1, then each group's sets with status, AK5 codes and AK3/AK4 points. */
function verdict(report: Report): string[] {
  return report.interchanges.map((ic) =>
    [
      ic.control,
      ic.duplicate ? 'duplicate' : '',
      ic.ta1 ? `TA1 ${ic.ta1.status} ${ic.ta1.note}` : '',
      ...ic.groups.map(
        (g) =>
          `${g.status}[${g.sets
            .map(
              (s) =>
                `${s.type} ${s.status}${s.codes.length ? ` ${s.codes.join(',')}` : ''}${s.errors
                  .map((e) => ` ${e.segment}@${e.position}${e.element ? `.${e.element}` : ''}:${e.code}`)
                  .join('')}`,
            )
            .join('; ')}]`,
      ),
    ]
      .filter(Boolean)
      .join(' '),
  );
}

const EXPECTED: Record<string, string[]> = {
  'ediengine__856_004010_pick-pack_SOPI_SSCC.edi': ['000000091 A[856 A]'],
  // PO1 at segment 13 has PO106 without PO107 (P0607); the last PO4 has PO405 without PO406 (C0506, P0607).
  'ediengine__MALFORMED_850_004010_element-syntax-notes.edi': [
    '000003438 R[850 R 5 PO1@13:8 PO1@13.7:2 PO4@30:8 PO4@30.6:2]',
  ],
  'node-x12__850_004010VICS_xyz-retail.edi': ['000003438 A[850 A]'],
  'node-x12__850_004010_petco_lf-terminator.edi': ['010001398 A[850 A]'],
  'node-x12__855_004010_book-distributor.edi': ['000000005 A[855 A]'],
  'node-x12__856_004060_SOI_repetition-sep-dash.edi': ['000000049 A[856 A]'],
  // The same interchange twice: the first is taken, the second rejected as a duplicate (TA1 025).
  'node-x12__MALFORMED_850_two-isa-same-control-number.edi': [
    '000003438 A[850 A]',
    '000003438 duplicate TA1 R 025',
  ],
  'stedi-bootstrap__850_005010_dropship.edi': ['000000057 A[850 A]'],
  'stedi-bootstrap__855_005010_dropship.edi': ['000001746 A[855 A]'],
  'stupidedi__810_004010_bookstore_PIPE-element-sep.edi': ['005639689 A[810 A]'],
  // "$" is the terminator, but three segments end in "~": they run together into one N1 holding line breaks.
  'stupidedi__MALFORMED_856_004010_mixed-terminators-blank-lines.edi': [
    '000000089 R[856 R 4,5 N1@11:8 N1@11.4:6]',
  ],
};

describe('switchyard edi inspect over the corpus', () => {
  it('finds the corpus beside the repository', () => {
    expect(existsSync(corpus), `${corpus} is missing: check out ../shared beside the repository`).toBe(true);
    expect(readdirSync(corpus).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    const r = cli(scratch.dir, ['edi', 'inspect', join(corpus, file)]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(verdict(report)).toEqual(expected);
    for (const ic of report.interchanges) {
      for (const g of ic.groups) {
        // One 997 per group, never one for a 997; each accepted 850 comes with its canonical order.
        expect(g.ack).toMatch(/^ISA.*\bST.997.0001\b/s);
        for (const s of g.sets) {
          if (s.type === '850' && s.status === 'A') expect(s.order?.lines.length).toBeGreaterThan(0);
          if (s.status === 'R') expect(g.ack).toContain(`AK5${g.ack!.charAt(3)}R`);
        }
      }
    }
  });
});

describe('switchyard edi inspect on bad input', () => {
  it('exits 2 with one line for a missing file and for a file that is not X12', () => {
    const missing = cli(scratch.dir, ['edi', 'inspect', 'nope.edi']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^switchyard: cannot read nope\.edi: ENOENT$/);
    const text = join(scratch.dir, 'letter.txt');
    writeFileSync(text, 'Dear partner, here is our order.\n');
    const notX12 = cli(scratch.dir, ['edi', 'inspect', text]);
    expect(notX12.code).toBe(2);
    expect(notX12.stdout).toBe('');
    expect(notX12.stderr.trim().split('\n')).toHaveLength(1);
    expect(notX12.stderr).toMatch(/letter\.txt is not an X12 file/);
  });

  it('says what a file that is not X12 holds instead, on its one line', () => {
    const noise = join(scratch.dir, 'noise.bin');
    writeFileSync(
      noise,
      Buffer.from([0x8f, 0x3a, 0x00, 0xc1, 0xff, 0x10, 0x7e, 0x02, 0x9b, 0x41, 0x53, 0x00]),
    );
    const r = cli(scratch.dir, ['edi', 'inspect', noise]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /noise\.bin is not an X12 file: 12 bytes of binary data with no ISA segment, beginning 8f 3a 00 c1 ff 10 7e 02 9b 41 53 00$/m,
    );
  });

  it('rejects an 850 line the hub cannot import (a negative quantity) in the 997, at the element, with no order', () => {
    const file = join(scratch.dir, 'negative.edi');
    writeFileSync(
      file,
      [
        'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261201*1200*U*00401*000000008*0*P*>',
        'GS*PO*SENDER*RECEIVER*20261201*1200*8*X*004010',
        'ST*850*0001',
        'BEG*00*SA*PO-8**20261201',
        'N1*ST*STORE*92*0042',
        'PO1*1*2*EA*12.50*PE*BP*BP-100',
        'PO1*2*-2*EA*3.99*PE*BP*BP-200',
        'SE*6*0001',
        'GE*1*8',
        'IEA*1*000000008',
      ].join('~\n'),
    );
    const r = cli(scratch.dir, ['edi', 'inspect', file]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(verdict(report)).toEqual(['000000008 R[850 R 5 PO1@5:8 PO1@5.2:6]']);
    const set = report.interchanges[0]!.groups[0]!.sets[0]!;
    expect(set.order).toBeUndefined();
    expect(report.interchanges[0]!.groups[0]!.ack).toContain('AK4*2*330*6*-2~');
  });

  it('reports an interchange too broken to read groups from, with its TA1 and no groups', () => {
    const broken = join(scratch.dir, 'broken.edi');
    writeFileSync(
      broken,
      'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261201*1200*U*00401*000000007*1*P*>~GS*PO*S*R*20261201*1200*7*X*004010~ST*850*0001~BEG*00*SA*PO1**20261201~',
    );
    const r = cli(scratch.dir, ['edi', 'inspect', broken]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.interchanges).toHaveLength(1);
    expect(report.interchanges[0]!.ta1).toMatchObject({ status: 'R', note: '023' });
    expect(report.interchanges[0]!.groups).toEqual([]);
  });
});
