import type { GroupResult, InterchangeResult, SetResult } from './envelope.ts';
import type { Segment } from './types.ts';
import { writeSegment } from './write.ts';

// How a set is told in words: why it was rejected, and the set kept on its own in an interchange of its own.

/** A set's AK3/AK4 errors in words, with the segment's position (an AK3 code 8 only announces its AK4s). */
export function errorWords(set: SetResult): string[] {
  return set.errors
    .filter((e) => e.level === 'element' || e.code !== '8')
    .map((e) => `${e.message} (segment ${e.position})`);
}

/** Why a set was rejected: its own problems (counts, trailer), then its errors. */
export function reasons(set: SetResult): string[] {
  return [...set.problems, ...errorWords(set)];
}

export function rejection(set: SetResult, group: GroupResult): string {
  const parts = [...set.problems, ...group.problems, ...errorWords(set)];
  return parts.slice(0, 3).join('; ') || 'see the errors';
}

/** One set in an interchange of its own, with the original envelope's parties and delimiters. */
export function single(ic: InterchangeResult, group: GroupResult, segments: Segment[]): string {
  const d = { ...ic.delimiters, suffix: '\n' };
  const isa = [
    'ISA',
    ...[
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      ic.sender.qualifier.padEnd(2),
      ic.sender.id.padEnd(15),
      ic.receiver.qualifier.padEnd(2),
      ic.receiver.id.padEnd(15),
      ic.date,
      ic.time,
      ic.version >= '00402' ? (d.repetition ?? '^') : 'U',
      ic.version,
      ic.control,
      '0',
      ic.usage,
      d.component,
    ],
  ].join(d.element);
  let text = `${isa}${d.segment}\n`;
  text += writeSegment(
    {
      id: 'GS',
      elements: [
        group.functionalId,
        group.sender,
        group.receiver,
        group.date,
        group.time,
        group.control,
        'X',
        group.version,
      ],
    },
    d,
  );
  for (const s of segments) text += `${[s.id, ...s.elements].join(d.element)}${d.segment}\n`;
  text += writeSegment({ id: 'GE', elements: ['1', group.control] }, d);
  text += writeSegment({ id: 'IEA', elements: ['1', ic.control] }, d);
  return text;
}
