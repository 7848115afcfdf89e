import { describe, expect, it } from 'vitest';
import { readInterchanges, readInterchangesSync } from '../src/envelope.ts';
import { type ReadEvent, X12Tokenizer } from '../src/reader.ts';

/** Three interchanges with their own delimiters: `*` `~` CRLF, `|` `^` newline terminator, BEL and `\r`. */
const isa = (e: string, rep: string, comp: string, control: string, version = '00401') =>
  [
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    'ZZ',
    'BUYER'.padEnd(15),
    'ZZ',
    'SELLER'.padEnd(15),
    '261130',
    '1504',
    rep,
    version,
    control,
    '0',
    'P',
    comp,
  ].join(e);
const set = (e: string, t: string, nl: string, control: string) =>
  [
    `GS${e}PO${e}BUYER${e}SELLER${e}20261130${e}1504${e}${control}${e}X${e}004010`,
    `ST${e}850${e}0001`,
    `BEG${e}00${e}SA${e}PO-${control}${e}${e}20261130`,
    `N1${e}ST${e}STORE${e}92${e}0042`,
    `N4${e}ATLANTA${e}GA${e}31139-0020`,
    `PO1${e}1${e}2${e}EA${e}1.5${e}${e}VN${e}SKU-1`,
    `SE${e}6${e}0001`,
    `GE${e}1${e}${control}`,
    `IEA${e}1${e}${String(control).padStart(9, '0')}`,
  ]
    .map((s) => `${s}${t}${nl}`)
    .join('');
const FILE =
  '\uFEFF' +
  `${isa('*', 'U', '>', '000000001')}~\r\n${set('*', '~', '\r\n', '1')}` +
  `\n\n${isa('|', '-', '^', '000000002', '00406')}\n${set('|', '\n', '', '2')}` +
  `${isa('\x07', 'U', ':', '000000003')}\r${set('\x07', '\r', '', '3')}  \n`;

function events(chunks: string[]): ReadEvent[] {
  const out: ReadEvent[] = [];
  const t = new X12Tokenizer((e) => out.push(e));
  for (const c of chunks) t.push(c);
  t.end();
  return out;
}

const split = (text: string, size: number) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

describe('the tokenizer', () => {
  it('reads each interchange with its own delimiters: BOM, CRLF, newline and CR terminators, BEL, pipe', () => {
    const all = events([FILE]);
    expect(all.filter((e) => e.kind === 'garbage' || e.kind === 'bad-isa')).toEqual([]);
    const isas = all.filter((e) => e.kind === 'isa');
    expect(
      isas.map(
        (e) => e.kind === 'isa' && [e.delimiters.element, e.delimiters.segment, e.delimiters.repetition],
      ),
    ).toEqual([
      ['*', '~', undefined],
      ['|', '\n', '-'],
      ['\x07', '\r', undefined],
    ]);
    const segments = all.flatMap((e) => (e.kind === 'segment' ? [e.segment] : []));
    expect(segments.map((s) => s.id).join(' ')).toBe(
      Array(3).fill('GS ST BEG N1 N4 PO1 SE GE IEA').join(' '),
    );
    // A dash in the data of an interchange whose repetition separator is "-" stays in the element.
    expect(segments.filter((s) => s.id === 'N4').map((s) => s.elements[2])).toEqual([
      '31139-0020',
      '31139-0020',
      '31139-0020',
    ]);
  });

  it('gives the same events whatever the chunks (1 character, 7, 106, 4096)', () => {
    const whole = JSON.stringify(events([FILE]));
    for (const size of [1, 7, 106, 4096])
      expect(JSON.stringify(events(split(FILE, size))), `chunks of ${size}`).toBe(whole);
  });

  it('decodes a byte stream split inside a multi-byte character', async () => {
    const text = FILE.replace('STORE', 'STÖRE — 42');
    const bytes = new TextEncoder().encode(text);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const streamed = await readInterchanges(chunks(), { keep: () => true });
    const whole = readInterchangesSync(text, { keep: () => true });
    expect(streamed).toEqual(whole);
    expect(
      streamed.interchanges[0]!.groups[0]!.sets[0]!.segments!.find((s) => s.id === 'N1')!.elements[1],
    ).toBe('STÖRE — 42');
  });

  it('reports text outside any interchange and goes on to the next one', () => {
    const result = readInterchangesSync(`hello partner\n${FILE}`);
    expect(result.problems).toEqual([expect.stringMatching(/outside any interchange: "hello partner"/)]);
    expect(result.interchanges.map((i) => i.groups[0]?.status)).toEqual(['A', 'A', 'A']);
  });

  it('refuses an ISA whose delimiters collide, and still reads the interchange after it', () => {
    const bad = isa('*', 'U', '*', '000000009');
    const result = readInterchangesSync(
      `${bad}~${set('*', '~', '\n', '9')}${isa('*', 'U', '>', '000000004')}~${set('*', '~', '\n', '4')}`,
    );
    expect(result.interchanges).toHaveLength(2);
    expect(result.interchanges[0]).toMatchObject({ ta1: { status: 'R' }, groups: [] });
    expect(result.interchanges[1]!.groups[0]!.status).toBe('A');
  });

  it('keeps no set in memory once handed over (onSet), whatever the file size', async () => {
    let seen = 0;
    const result = await readInterchanges(FILE, {
      keep: () => true,
      collect: false,
      onSet: (s) => {
        seen += s.segments!.length;
      },
    });
    expect(seen).toBe(3 * 6);
    expect(result.interchanges).toEqual([]);
  });
});
