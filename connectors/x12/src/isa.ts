import {
  type AckStatus,
  type InterchangeResult,
  partyText,
  type ReadOptions,
  sameParty,
} from './envelope-results.ts';
import type { Delimiters, Segment } from './types.ts';
import { validDate, validTime } from './validate.ts';
import { isaVersion } from './write.ts';

/**
 * ISA12 as the standard's code list I11 has it: 00200 to 00801 and the releases between (00401, 00406, 00501…).
 * Five digits outside that pattern (99999) are no version at all: TA1 017, where a real version that is not the
 * partner's is 003.
 */
export const CONTROL_VERSION = /^00[2-8]0\d$/;

/** A TA1 problem the ISA has (the first decides the note code). */
export interface IsaNote {
  note: string;
  message: string;
  status: AckStatus;
}

/**
 * An interchange as its ISA opens it, and what is wrong with the ISA: each field against the standard, the
 * version and the parties against what was agreed with the partner (`expect`).
 */
export function readIsa(
  isa: Segment,
  {
    delimiters,
    offset,
    notFixedWidth,
    expect,
  }: { delimiters: Delimiters; offset: number; notFixedWidth: boolean; expect: ReadOptions['expect'] },
): { result: InterchangeResult; notes: IsaNote[] } {
  const e = isa.elements;
  const value = (i: number) => e[i - 1] ?? '';
  const result: InterchangeResult = {
    sender: { qualifier: value(5).trim(), id: value(6).trim() },
    receiver: { qualifier: value(7).trim(), id: value(8).trim() },
    control: value(13),
    date: value(9),
    time: value(10),
    version: value(12),
    ackRequested: value(14) === '1',
    usage: value(15),
    delimiters,
    duplicate: false,
    ta1: null,
    groups: [],
    acknowledgments: [],
    problems: [],
    offset,
  };
  const notes: IsaNote[] = [];
  const note = (code: string, message: string) => notes.push({ note: code, message, status: 'R' });
  if (notFixedWidth) note('022', 'the ISA is not fixed width (106 characters, its fields padded)');
  if (!/^0[0-6]$/.test(value(1)))
    note('010', `ISA01 "${value(1)}" is not an authorization qualifier (00 to 06)`);
  if (!['00', '01'].includes(value(3))) note('012', `ISA03 "${value(3)}" is not 00 or 01`);
  if (!/^[A-Z0-9]{2}$/.test(value(5))) note('005', `ISA05 "${value(5)}" is not a qualifier`);
  if (!result.sender.id) note('006', 'ISA06 (the sender) is empty');
  if (!/^[A-Z0-9]{2}$/.test(value(7))) note('007', `ISA07 "${value(7)}" is not a qualifier`);
  if (!result.receiver.id) note('008', 'ISA08 (the receiver) is empty');
  if (!/^\d{6}$/.test(result.date) || !validDate(result.date))
    note('014', `ISA09 "${result.date}" is not a date (YYMMDD)`);
  if (!/^\d{4}$/.test(result.time) || !validTime(result.time))
    note('015', `ISA10 "${result.time}" is not a time (HHMM)`);
  if (!CONTROL_VERSION.test(result.version)) {
    note('017', `ISA12 "${result.version}" is not an interchange control version such as 00401 or 00501`);
  } else if (expect?.version && result.version !== isaVersion(expect.version)) {
    note(
      '003',
      `ISA12 "${result.version}" is not the version agreed with this partner (${isaVersion(expect.version)}, for ${expect.version})`,
    );
  }
  if (!/^\d{9}$/.test(result.control))
    note('018', `ISA13 "${result.control}" is not a 9-digit control number`);
  if (!['0', '1'].includes(value(14))) note('019', `ISA14 "${value(14)}" is not 0 or 1`);
  if (!['P', 'T'].includes(result.usage))
    note('020', `ISA15 "${result.usage}" is not P (production) or T (test)`);
  if (e.length !== 16) note('022', `the ISA has ${e.length} elements, not 16`);
  // A qualifier alone that differs is 005/007 (invalid qualifier); another id is 006 (invalid sender: X12 has no
  // "unknown sender") or 009 (unknown receiver).
  if (expect?.sender && !sameParty(expect.sender, result.sender)) {
    note(
      expect.sender.id.trim() === result.sender.id ? '005' : '006',
      `the sender ${partyText(result.sender)} is not this partner (${partyText(expect.sender)})`,
    );
  }
  if (expect?.receiver && !sameParty(expect.receiver, result.receiver)) {
    note(
      expect.receiver.id.trim() === result.receiver.id ? '007' : '009',
      `the receiver ${partyText(result.receiver)} is not us (${partyText(expect.receiver)})`,
    );
  }
  return { result, notes };
}
