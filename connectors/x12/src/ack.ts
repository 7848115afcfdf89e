import { CONTROL_VERSION, type GroupResult, type InterchangeResult, type SetResult } from './envelope.ts';
import type { Segment } from './types.ts';
import { isaVersion, type OutboundInterchange, wrapSet, writeInterchange } from './write.ts';

/**
 * The acknowledgments an inbound interchange earns: a TA1 when it asked for one or its envelope is broken,
 * and one 997 (or 999) per functional group, except groups of acknowledgments (a 997 is never acknowledged).
 */

export type AckKind = '997' | '999';

/**
 * The 997's (or 999's) set, ST to SE, for one group; `version` is the acknowledgment's own GS08 (the group's
 * by default), which decides its AK1's shape.
 */
export function functionalAck(
  group: GroupResult,
  kind: AckKind,
  control: string,
  component: string,
  version = group.version,
): Segment[] {
  const body: Segment[] = [];
  const base = version.slice(0, 6);
  // What the partner sent is echoed as letters and digits only: one of its values may hold a character that is a
  // delimiter of our interchange.
  body.push({
    id: 'AK1',
    elements:
      base >= '005010' || kind === '999'
        ? [echo(group.functionalId), echo(group.control), echo(group.version)]
        : [echo(group.functionalId), echo(group.control)],
  });
  for (const set of group.sets) {
    body.push({ id: 'AK2', elements: [echo(set.type), echo(set.control)] });
    let open = false;
    for (const e of set.errors.slice(0, 50)) {
      if (e.level === 'segment') {
        body.push({
          id: kind === '999' ? 'IK3' : 'AK3',
          elements: [echo(e.segment).slice(0, 3), String(e.position), echo(e.loop ?? ''), e.code],
        });
        open = true;
      } else if (open) {
        const at = e.component ? `${e.element}${component}${e.component}` : String(e.element);
        // A rule of the hub's own: the 999 has a code for it (I12), the 997 only the nearest syntax code.
        const code = kind === '999' && e.implementation ? e.implementation : e.code;
        body.push({
          id: kind === '999' ? 'IK4' : 'AK4',
          elements: [at, e.ref !== undefined && e.ref > 0 ? String(e.ref) : '', code, ackValue(e.value)],
        });
      }
    }
    const codes = kind === '999' ? implementationCodes(set) : set.codes;
    body.push({ id: kind === '999' ? 'IK5' : 'AK5', elements: [set.status, ...codes.slice(0, 5)] });
  }
  const accepted =
    group.status === 'R' && group.codes.length ? 0 : group.sets.filter((s) => s.status !== 'R').length;
  body.push({
    id: 'AK9',
    elements: [
      group.status,
      String(Number.isFinite(group.included) ? group.included : group.sets.length),
      String(group.sets.length),
      String(accepted),
      ...group.codes.slice(0, 5),
    ],
  });
  return wrapSet(kind, control, body, kind === '999' ? '005010X231A1' : undefined);
}

/**
 * IK502..: a set whose errors are all the hub's own rules is I5 (implementation: one or more segments in error)
 * instead of 5; one with errors of both kinds has both.
 */
function implementationCodes(set: SetResult): string[] {
  if (!set.errors.some((e) => e.implementation)) return set.codes;
  // A segment's own AK3 code 8 only announces its element errors; any other segment code is the standard's.
  const standard = set.errors.some((e) => (e.level === 'element' ? !e.implementation : e.code !== '8'));
  if (standard) return set.codes.flatMap((c) => (c === '5' ? ['5', 'I5'] : [c]));
  return set.codes.map((c) => (c === '5' ? 'I5' : c));
}

/** An identifier echoed from the partner's interchange: its letters and digits. */
function echo(value: string): string {
  return value.replace(/[^A-Za-z0-9]/g, '');
}

/** AK404 carries a copy of the bad data: at most 99 characters, and never a delimiter. */
function ackValue(value: string | undefined): string {
  if (!value) return '';
  return value.replace(/[^A-Za-z0-9 .,\-/()]/g, '').slice(0, 99);
}

export function ta1Segment(interchange: InterchangeResult): Segment | undefined {
  const t = interchange.ta1;
  if (!t) return undefined;
  return {
    id: 'TA1',
    elements: [
      /^\d{9}$/.test(interchange.control) ? interchange.control : '000000000',
      /^\d{6}$/.test(interchange.date) ? interchange.date : '000000',
      /^\d{4}$/.test(interchange.time) ? interchange.time : '0000',
      t.status,
      t.note,
    ],
  };
}

/** Whether a group earns a 997: every group but acknowledgments themselves. */
export function acknowledges(group: GroupResult): boolean {
  if (group.functionalId === 'FA') return false;
  return !(group.sets.length > 0 && group.sets.every((s) => s.type === '997' || s.type === '999'));
}

export interface AckEnvelope {
  /** Our identities (the inbound interchange's receiver by default). */
  sender?: { qualifier: string; id: string };
  receiver?: { qualifier: string; id: string };
  /** GS02/GS03 for the 997 group (the inbound group's, swapped, by default). */
  groupSender?: string;
  groupReceiver?: string;
  delimiters?: OutboundInterchange['delimiters'];
  /** The version agreed with the partner (GS08 of a 997): what we answer in, whatever the partner sent. */
  version?: string;
  at: Date;
  kind: AckKind;
}

type Identity = { qualifier: string; id: string; gsId?: string | undefined };

/**
 * Who is who on what we send a partner, from its profile: us as sender, the partner as receiver, our delimiters.
 * Without a profile (`edi inspect` with no --partner), the inbound interchange's parties swapped.
 */
export function partnerEnvelope(
  profile:
    | {
        us?: Identity;
        partner?: Identity;
        delimiters?: OutboundInterchange['delimiters'];
        acknowledgments?: { functional: AckKind };
        version?: string;
      }
    | undefined,
  at: Date,
): AckEnvelope & { sender?: Identity; receiver?: Identity } {
  const { us, partner } = profile ?? {};
  return {
    at,
    kind: profile?.acknowledgments?.functional ?? '997',
    ...(us ? { sender: { qualifier: us.qualifier, id: us.id }, groupSender: us.gsId ?? us.id } : {}),
    ...(partner
      ? {
          receiver: { qualifier: partner.qualifier, id: partner.id },
          groupReceiver: partner.gsId ?? partner.id,
        }
      : {}),
    ...(profile?.delimiters ? { delimiters: profile.delimiters } : {}),
    ...(profile?.version ? { version: profile.version } : {}),
  };
}

/** One acknowledgment interchange as text, control numbers given. */
export function ackInterchange(
  interchange: InterchangeResult,
  what: { ta1: true } | { group: GroupResult },
  numbers: { isa: string; gs?: string; st?: string },
  env: AckEnvelope,
): string {
  const inbound = interchange.delimiters;
  const delimiters = env.delimiters ?? {
    ...inbound,
    suffix: inbound.segment === '\n' || inbound.segment === '\r' ? '' : '\n',
  };
  const parties = {
    sender: env.sender ?? interchange.receiver,
    receiver: env.receiver ?? interchange.sender,
  };
  const base = {
    ...parties,
    control: numbers.isa,
    at: env.at,
    usage: interchange.usage === 'T' ? ('T' as const) : ('P' as const),
    delimiters,
  };
  if ('ta1' in what) {
    return writeInterchange({
      ...base,
      ta1: ta1Segment(interchange)!,
      groups: [],
      // The partner's agreed version; without a profile, the interchange's own when it is one.
      version: env.version
        ? isaVersion(env.version)
        : CONTROL_VERSION.test(interchange.version)
          ? interchange.version
          : '00401',
    });
  }
  const group = what.group;
  const kind = env.kind;
  const version = kind === '999' ? '005010X231A1' : (env.version ?? (group.version.slice(0, 6) || '004010'));
  return writeInterchange({
    ...base,
    groups: [
      {
        functionalId: 'FA',
        sender: env.groupSender ?? group.receiver,
        receiver: env.groupReceiver ?? group.sender,
        control: numbers.gs ?? numbers.isa.replace(/^0+(?=\d)/, ''),
        version,
        sets: [functionalAck(group, kind, numbers.st ?? '0001', delimiters.component, version)],
      },
    ],
  });
}
