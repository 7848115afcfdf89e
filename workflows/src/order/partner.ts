import type { PartnerDocumentRequest, PartnerDocuments } from '@switchyard/core';
import type { StepRun } from './step.ts';

/**
 * A partner document queued under its step's key (built, checked by the X12 validator and put in the
 * partner's outbox in one transaction, so a step run again gets the same document and control numbers back)
 * and recorded on the order's timeline.
 */
export async function queueDocument(
  s: StepRun,
  documents: PartnerDocuments,
  request: PartnerDocumentRequest,
) {
  const sent = await documents.send(request);
  await s.record(request.order.id, `edi.${sent.kind}.queued`, sent);
  return sent;
}
