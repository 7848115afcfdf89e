import { describe, expect, it } from 'vitest';
import { describeNotX12, holdsIsa } from '../src/content.ts';
import { readInterchangesSync } from '../src/envelope.ts';
import { noise } from './support/noise.ts';

/** What the hub says a file holds when it holds no X12 interchange: what it is, how it begins, safely. */

const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new TextEncoder().encode(s);

describe('a file that is not X12', () => {
  it('calls random bytes binary data, shown as hex', () => {
    const body = noise(300);
    expect(readInterchangesSync(body).interchanges).toEqual([]);
    const { found, fix } = describeNotX12(body);
    expect(found).toMatch(/^300 bytes of binary data with no ISA segment, beginning ([0-9a-f]{2} ){16}…$/);
    expect(
      found.startsWith(
        `300 bytes of binary data with no ISA segment, beginning ${[...body.subarray(0, 2)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
      ),
    ).toBe(true);
    expect(fix).toMatch(/begins with its ISA segment/);
  });

  it('quotes text, its line breaks, quotes and invisible characters escaped', () => {
    expect(describeNotX12(text('Dear partner,\n"here" is our order.\u202e')).found).toBe(
      '37 bytes of text with no ISA segment, beginning "Dear partner,\\n\\"here\\" is our order.\\u{202e}"',
    );
    expect(describeNotX12(text('x'.repeat(50))).found).toMatch(/beginning "x{40}…"$/);
  });

  it.each([
    [
      'gzip',
      bytes(0x1f, 0x8b, 0x08, 0x00, 0xff, 0x01),
      /a gzip-compressed file .* 1f 8b 08 00 ff 01$/,
      /decompress/,
    ],
    ['ZIP', bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x80, 0x81), /a ZIP archive/, /unzip/],
    ['PDF', text('%PDF-1.7\n%\u00e2\u00e3'), /a PDF document/, /printed purchase order/],
    ['JSON', text('{"order": 1}'), /of JSON with no ISA segment, beginning "\{\\"order\\": 1\}"/, /ISA/],
    ['XML', text('<?xml version="1.0"?><PO/>'), /of XML or HTML/, /ISA/],
    [
      'EDIFACT',
      text("UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER'"),
      /an EDIFACT interchange/,
      /EDIFACT is not read/,
    ],
  ])('recognises %s', (_, body, found, fix) => {
    const what = describeNotX12(body);
    expect(what.found).toMatch(found);
    expect(what.fix).toMatch(fix);
  });

  it('reads UTF-16 text as what it is, X12 in the wrong encoding', () => {
    const x12 = 'ISA*00*          *00*';
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...x12].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(readInterchangesSync(utf16).interchanges).toEqual([]);
    const what = describeNotX12(utf16);
    expect(what.found).toBe(`${utf16.length} bytes of UTF-16 text with no ISA segment, beginning "${x12}"`);
    expect(what.fix).toMatch(/ASCII or UTF-8, not UTF-16/);
  });

  it('finds an ISA exactly where the reader would begin an interchange', () => {
    for (const s of ['ISA*00', 'junk ISA|00', 'ISA', 'VISA card', 'ISAAC*']) {
      expect(holdsIsa(s), s).toBe(readInterchangesSync(s).interchanges.length > 0);
    }
  });
});
