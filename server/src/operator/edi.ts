import {
  type DocumentFilter,
  documentOf,
  listInterchanges,
  pageDocuments,
  requeue,
  type StoredDocument,
} from '@switchyard/connector-x12';
import { HubError, recordAudit, type Sql } from '@switchyard/core';
import { partners } from '../edi.ts';
import { type OperatorContext, requireRole } from './context.ts';

/** The tenant's trading partners, with their envelope identities. */
export function ediPartners(ctx: OperatorContext) {
  return [...partners(ctx.hub).values()]
    .filter((p) => p.tenantId === ctx.by.tenantId)
    .map((p) => ({
      id: p.id,
      partner: `${p.settings.partner.qualifier}:${p.settings.partner.id}`,
      us: `${p.settings.us.qualifier}:${p.settings.us.id}`,
      version: p.settings.version,
      transport: p.settings.transport.kind,
    }));
}

/** Documents sent (or to send) to partners, with their acknowledgment status; `overdue` narrows to the late. */
export function ediDocuments(ctx: OperatorContext, filter: Omit<DocumentFilter, 'tenantId'>) {
  return pageDocuments(ctx.hub.sql, { ...filter, tenantId: ctx.by.tenantId });
}

/** Interchanges received from partners, newest first. */
export function ediInterchanges(ctx: OperatorContext, filter: { connectionId?: string; limit?: number }) {
  return listInterchanges(ctx.hub.sql, { ...filter, tenantId: ctx.by.tenantId });
}

export async function ediDocument(ctx: OperatorContext, id: string): Promise<StoredDocument> {
  const doc = await documentOf(ctx.hub.sql, ctx.by.tenantId, id);
  if (!doc) {
    throw new HubError({
      type: 'document-not-found',
      title: 'No such document',
      status: 404,
      detail: `tenant ${ctx.by.tenantId} has no EDI document ${id.slice(0, 40)}`,
      fix: 'list them with GET /api/v1/edi/documents',
    });
  }
  return doc;
}

/** Queues again a document whose delivery gave up; audited. The outbox of a running hub delivers it. */
export async function resendDocument(ctx: OperatorContext, id: string): Promise<StoredDocument> {
  requireRole(ctx, 'operator', 'resending an EDI document');
  const before = await ediDocument(ctx, id);
  const queued = await ctx.hub.sql.begin(async (tx) => {
    if (!(await requeue(tx as unknown as Sql, id))) return false;
    await recordAudit(tx, ctx.by, {
      action: 'edi.resend',
      targetType: 'edi-document',
      targetId: id,
      before: { status: before.status, attempts: before.attempts, lastError: before.lastError },
      after: { status: 'queued' },
      requestId: ctx.requestId,
    });
    return true;
  });
  if (!queued) {
    throw new HubError({
      type: 'document-not-failed',
      title: 'Document is not failed',
      status: 409,
      detail: `document ${id} is ${before.status}: only a document whose delivery gave up is queued again`,
      fix: 'a queued or sending document is delivered by the outbox; a sent one is awaiting its 997',
    });
  }
  return ediDocument(ctx, id);
}
