import type { FileIntake, FileReceipt, Problem } from '@switchyard/core';
import { type Receipt, receiveFile } from './intake.ts';
import type { PartnerSecrets, PartnerSettings } from './settings.ts';

/**
 * A partner's X12 files (`files.inbound`), as the hub's `POST /edi/<connection>` and SFTP polling hand them over:
 * `receiveFile` does the work; this says what the sender over HTTP hears.
 */
export const x12Files: FileIntake<PartnerSettings, PartnerSecrets> = {
  // Partners send all of these.
  contentTypes: ['application/edi-x12', 'application/edi', 'text/plain', 'application/octet-stream', ''],
  words: {
    file: 'X12 file',
    sentAs: 'an X12 file is sent as application/edi-x12 (or text/plain)',
    contentType: 'application/edi-x12',
  },
  inboundToken: (secrets) => secrets.inboundToken,
  async receive(sql, connection, file, now) {
    return answerOf(await receiveFile(sql, connection, file, now));
  },
};

/** 200 with what was decided for each interchange, group and set; 202 when the file could not be processed. */
function answerOf(receipt: Receipt): FileReceipt {
  if (receipt.status === 'not-x12')
    return { exceptions: receipt.exceptions, answer: { problem: notX12(receipt) } };
  return {
    exceptions: receipt.exceptions,
    answer: {
      status: receipt.status === 'exception' ? 202 : 200,
      body: {
        ...receipt,
        orders: receipt.orders.map((o) => ({ id: o.orderId, result: o.result, version: o.version })),
      },
    },
  };
}

/**
 * 400: no ISA anywhere in the body, so nothing in it can be acknowledged. The file is kept all the same (an inbox
 * entry and an open exception, named here so an operator can find it); the sender hears what it sent instead.
 */
function notX12(receipt: Receipt): Problem {
  const exception = receipt.exceptions[0];
  return {
    type: 'not-x12',
    title: 'Not an X12 file',
    status: 400,
    detail: `the body holds no X12 interchange: ${receipt.notX12?.found ?? 'no ISA segment'}${exception ? `; it is kept for inspection as exception ${exception}` : ''}`,
    fix: receipt.notX12?.fix ?? 'send the X12 interchange, which begins with its ISA segment',
    ...(exception ? { exception } : {}),
    ...(receipt.inboxId ? { inboxId: receipt.inboxId } : {}),
  };
}
