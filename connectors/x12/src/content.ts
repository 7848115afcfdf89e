/**
 * What a file that holds no X12 interchange holds instead, in words safe to show anywhere (a log line, a
 * problem body, a terminal): how big it is, what it looks like (a compressed archive, a PDF, UTF-16 text,
 * JSON…), and how it begins, printable characters as text and anything else escaped or in hex. A partner
 * told "not X12" learns what we saw and what to send instead.
 */

export interface NotX12 {
  /** What the file holds, e.g. `412 bytes of binary data beginning 8f 3a 00 c1 …`. */
  found: string;
  /** What to send instead. */
  fix: string;
}

/** Whether a text holds an ISA an interchange can begin with: "ISA" and a separator (what the reader looks for). */
export function holdsIsa(text: string): boolean {
  return /ISA[^A-Za-z0-9]/.test(text);
}

const SEND_X12 =
  'send the X12 interchange itself: plain ASCII or UTF-8 text that begins with its ISA segment';

/** Known shapes, by their first bytes. */
const SIGNATURES: { test: (b: Uint8Array, head: string) => boolean; what: string; fix: string }[] = [
  {
    test: (b) => b[0] === 0x1f && b[1] === 0x8b,
    what: 'a gzip-compressed file',
    fix: 'decompress it and send the X12 file it holds',
  },
  {
    test: (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04,
    what: 'a ZIP archive (or an Office document)',
    fix: 'unzip it and send each X12 file it holds on its own',
  },
  {
    test: (_, head) => head.startsWith('%PDF'),
    what: 'a PDF document',
    fix: `a PDF is a printed purchase order; ${SEND_X12}`,
  },
  {
    test: (b) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff),
    what: 'UTF-16 text',
    fix: 'save or export the file as ASCII or UTF-8, not UTF-16, and send it again',
  },
  {
    test: (_, head) => /^(UNA|UNB)/.test(head),
    what: 'an EDIFACT interchange (UNA/UNB), not X12',
    fix: 'this partner connection takes X12; EDIFACT is not read by the hub',
  },
  {
    test: (_, head) => /^\s*</.test(head),
    what: 'XML or HTML',
    fix: SEND_X12,
  },
  {
    test: (_, head) => /^\s*[[{]/.test(head),
    what: 'JSON',
    fix: SEND_X12,
  },
];

/** Describes a body that holds no ISA: what it is, and how it begins. */
export function describeNotX12(body: Uint8Array): NotX12 {
  const bytes = body.length === 1 ? '1 byte' : `${body.length} bytes`;
  const start = body.subarray(0, 512);
  const utf16 =
    start[0] === 0xff && start[1] === 0xfe
      ? 'utf-16le'
      : start[0] === 0xfe && start[1] === 0xff
        ? 'utf-16be'
        : undefined;
  const text = utf16
    ? new TextDecoder(utf16).decode(start.subarray(0, start.length & ~1))
    : decodeText(start);
  const known = SIGNATURES.find((s) => s.test(start, (text ?? '').replace(/^\uFEFF/, '')));
  const what = known?.what ?? (text === undefined ? 'binary data' : 'text');
  return {
    found: `${bytes} of ${what} with no ISA segment, beginning ${text === undefined ? hex(start) : `"${excerpt(text)}"`}`,
    fix: known?.fix ?? SEND_X12,
  };
}

/**
 * The start of a body as text, or undefined when it is not text: invalid UTF-8, a NUL, or more than one
 * character in ten a control character other than tab and line breaks.
 */
function decodeText(start: Uint8Array): string | undefined {
  let text: string;
  try {
    // stream: a character cut by the 512-byte window is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(start, { stream: true });
  } catch {
    return undefined;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return undefined;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) control++;
  }
  return control * 10 > text.length ? undefined : text;
}

/** The first 40 characters, with line breaks, control and invisible formatting characters escaped. */
function excerpt(text: string): string {
  const chars = [...text.replace(/^\uFEFF/, '')];
  const shown = chars
    .slice(0, 40)
    .map((c) => {
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      if (c === '"' || c === '\\') return `\\${c}`;
      // Controls, format characters (bidirectional overrides), unassigned and private-use code points.
      if (/\p{C}/u.test(c)) return `\\u{${c.codePointAt(0)!.toString(16)}}`;
      return c;
    })
    .join('');
  return chars.length > 40 ? `${shown}…` : shown;
}

/** The first 16 bytes in hex. */
function hex(start: Uint8Array): string {
  const shown = [...start.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return start.length > 16 ? `${shown} …` : shown;
}
