import type { ApplyResult, Connection } from '@switchyard/core';
import type { NotX12 } from './content.ts';
import type { InterchangeResult } from './envelope.ts';
import { reasons } from './set-words.ts';
import type { PartnerSettings } from './settings.ts';

// A partner's file as it arrives, and the receipt that says what became of it.

export interface EdiConnection extends Connection {
  settings: PartnerSettings;
}

export interface EdiFile {
  body: Uint8Array;
  /** The file's name on SFTP, or the request path. */
  name: string;
  via: 'http' | 'sftp';
  receivedAt: Date;
  headers?: Record<string, string>;
}

export interface Receipt {
  /**
   * accepted: read, each interchange judged (its rejections are in `interchanges`); not-x12: no ISA at all (stored
   * with an exception, `notX12` says what it holds); duplicate: these bytes were received before; exception: the
   * file could not be processed (stored with an exception).
   */
  status: 'accepted' | 'duplicate' | 'exception' | 'not-x12';
  inboxId?: string;
  /** What a file with no interchange holds instead, and what to send. */
  notX12?: NotX12;
  interchanges: {
    control: string;
    sender: string;
    duplicate: boolean;
    ta1: { status: string; note: string; message: string } | null;
    groups: {
      functionalId: string;
      control: string;
      status: string;
      /** AK905 codes and why, when the group is rejected as a whole. */
      codes?: string[];
      problems?: string[];
      /** Each set, with why it was rejected (the errors its AK3/AK4 point at) when it was. */
      sets: { type: string; control: string; status: string; errors?: string[] }[];
    }[];
  }[];
  orders: ApplyResult[];
  exceptions: string[];
  /** Acknowledgments queued for the partner (document ids). */
  acknowledgments: string[];
  /** Our documents the partner's 997s in this file accepted or rejected. */
  acknowledged: { documentId: string; kind: string; status: string }[];
  problems: string[];
}

/** What the receipt says of one interchange: its TA1, and each group and set with why it was rejected. */
export function interchangeSummary(ic: InterchangeResult): Receipt['interchanges'][number] {
  return {
    control: ic.control,
    sender: `${ic.sender.qualifier}/${ic.sender.id}`,
    duplicate: ic.duplicate,
    ta1: ic.ta1,
    groups: ic.groups.map((g) => ({
      functionalId: g.functionalId,
      control: g.control,
      status: g.status,
      ...(g.status === 'R' && g.codes.length ? { codes: g.codes, problems: g.problems } : {}),
      sets: g.sets.map((s) => ({
        type: s.type,
        control: s.control,
        status: s.status,
        ...(s.status === 'R' ? { errors: reasons(s).slice(0, 20) } : {}),
      })),
    })),
  };
}
