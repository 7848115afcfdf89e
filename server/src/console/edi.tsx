/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */

import type { StoredDocument } from '@switchyard/connector-x12';
import type { Hono } from 'hono';
import {
  ediDocument,
  ediDocuments,
  ediInterchanges,
  ediPartners,
  resendDocument,
} from '../operator/index.ts';
import { auditHref } from './audit.tsx';
import {
  act,
  type ConsoleDeps,
  type ConsoleEnv,
  field,
  localPath,
  may,
  messageOf,
  operatorOf,
  viewOf,
} from './context.ts';
import { Csrf, Empty, Page, Status, Time, type View } from './layout.tsx';

const KINDS = ['997', '855', '856', '810'] as const;

/** X12 acknowledgment codes (TA1, AK5, AK9) in words. */
const ACK_WORDS: Record<string, string> = {
  A: 'accepted',
  E: 'accepted with errors',
  P: 'partially accepted',
  R: 'rejected',
  M: 'rejected (bad MAC)',
  W: 'rejected (security)',
  X: 'rejected (decryption)',
};

const KIND_WORDS: Record<string, string> = {
  '997': 'functional acknowledgment',
  '855': 'purchase order acknowledgment',
  '856': 'ship notice',
  '810': 'invoice',
};

/**
 * An interchange's segments, one a line, each with its terminator. The terminator is the ISA's last character
 * (position 106: the ISA is fixed-width); line breaks a partner or we put after terminators are dropped.
 */
export function segmentsOf(body: string): string[] {
  const text = body.replace(/^\s+/, '');
  const terminator = text.startsWith('ISA') && text.length >= 106 ? text[105]! : '~';
  return text
    .split(terminator)
    .map((segment) => segment.replace(/^[\r\n]+|[\r\n]+$/g, ''))
    .filter((segment) => segment.trim().length > 0)
    .map((segment) => (/[\r\n]/.test(terminator) ? segment : segment + terminator));
}

/** Whether an acknowledgment's errors say anything (null, [] and {} do not). */
function hasErrors(errors: unknown): boolean {
  if (errors == null) return false;
  if (Array.isArray(errors)) return errors.length > 0;
  if (typeof errors === 'object') return Object.keys(errors).length > 0;
  return true;
}

function ResendForm({ view, id, back }: { view: View; id: string; back: string }) {
  return (
    <form method="post" action={`${view.base}/edi/documents/${encodeURIComponent(id)}/resend`}>
      <Csrf view={view} />
      <input type="hidden" name="back" value={back} />
      <button type="submit" aria-label={`Resend document ${id}`}>
        Resend
      </button>
    </form>
  );
}

function DocumentPage({ view, doc, operator }: { view: View; doc: StoredDocument; operator: boolean }) {
  const self = `${view.base}/edi/documents/${encodeURIComponent(doc.id)}`;
  const late = doc.ackStatus === 'awaiting' && doc.ackDueAt && doc.ackDueAt.getTime() < Date.now();
  const segments = segmentsOf(doc.body);
  return (
    <Page view={view} title={`EDI ${doc.kind} · document ${doc.id}`}>
      <p>
        <a href={`${view.base}/edi#documents`}>← EDI</a> ·{' '}
        <a href={auditHref(view.base, 'edi-document', doc.id)}>Audit entries of this document</a>
      </p>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>
          {doc.kind} ({KIND_WORDS[doc.kind] ?? 'document'})
        </dd>
        <dt>Partner</dt>
        <dd>{doc.connectionId}</dd>
        <dt>Order</dt>
        <dd>
          {doc.orderId ? (
            <a href={`${view.base}/orders/${encodeURIComponent(doc.orderId)}`}>{doc.orderId}</a>
          ) : (
            '—'
          )}
        </dd>
        <dt>Control numbers</dt>
        <dd>
          ISA {doc.isaControl}
          {doc.gsControl ? ` · GS ${doc.gsControl}` : ''}
          {doc.stControl ? ` · ST ${doc.stControl}` : ''}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time at={doc.createdAt.toISOString()} />
        </dd>
        <dt>Delivery</dt>
        <dd>
          <Status value={doc.status} />
          {doc.attempts ? ` after ${doc.attempts} attempt${doc.attempts === 1 ? '' : 's'}` : ''}
          {doc.sentAt ? (
            <>
              {' '}
              · sent <Time at={doc.sentAt.toISOString()} />
            </>
          ) : null}
          {doc.lastError ? <div class="error-text">{doc.lastError}</div> : null}
        </dd>
        <dt>Acknowledgment</dt>
        <dd>
          {doc.ackStatus ? <Status value={late ? 'overdue' : doc.ackStatus} /> : 'none expected'}
          {doc.ackedAt ? (
            <>
              {' '}
              · received <Time at={doc.ackedAt.toISOString()} />
            </>
          ) : doc.ackDueAt ? (
            <>
              {' '}
              · due <Time at={doc.ackDueAt.toISOString()} />
            </>
          ) : null}
        </dd>
      </dl>
      {operator && doc.status === 'failed' ? (
        <div class="actions">
          <ResendForm view={view} id={doc.id} back={self} />
        </div>
      ) : null}
      {hasErrors(doc.ackErrors) ? (
        <>
          <h2>Errors the partner reported</h2>
          <pre class="error-text">{JSON.stringify(doc.ackErrors, null, 2)}</pre>
        </>
      ) : null}
      <h2>
        X12 as {doc.status === 'sent' ? 'sent' : 'written'}, one segment a line ({segments.length} segment
        {segments.length === 1 ? '' : 's'})
      </h2>
      <pre class="payload x12">{segments.join('\n')}</pre>
    </Page>
  );
}

export function ediPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  const base = deps.base;

  app.get('/edi', async (c) => {
    const ctx = operatorOf(c, deps);
    const overdue = c.req.query('overdue') === '1';
    const kind = KINDS.find((k) => k === c.req.query('kind'));
    const before = /^\d{1,18}$/.test(c.req.query('before') ?? '') ? c.req.query('before') : undefined;
    const partners = ediPartners(ctx);
    let documents: Awaited<ReturnType<typeof ediDocuments>> = { documents: [], next: null };
    let interchanges: Awaited<ReturnType<typeof ediInterchanges>> = [];
    try {
      [documents, interchanges] = await Promise.all([
        ediDocuments(ctx, {
          ...(overdue ? { overdue } : {}),
          ...(kind ? { kind } : {}),
          ...(before ? { beforeId: before } : {}),
          limit: 50,
        }),
        ediInterchanges(ctx, { limit: 20 }),
      ]);
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'reading EDI documents') });
    }
    const operator = may(c, 'operator');
    const view = viewOf(c, deps);
    const html = (
      <Page view={view} title="EDI">
        <h2>Trading partners</h2>
        {partners.length ? (
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Us</th>
                  <th scope="col">Version</th>
                  <th scope="col">Transport</th>
                </tr>
              </thead>
              <tbody>
                {partners.map((p) => (
                  <tr>
                    <td>{p.id}</td>
                    <td>{p.partner}</td>
                    <td>{p.us}</td>
                    <td>{p.version}</td>
                    <td>{p.transport}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Empty>No X12 trading partners in this tenant.</Empty>
        )}

        <h2 id="documents">Documents we send, and their acknowledgments</h2>
        <form class="filters" method="get" action={`${base}/edi`} aria-label="Filter documents">
          <label>
            Kind
            <select name="kind">
              <option value="">any</option>
              {KINDS.map((k) => (
                <option value={k} selected={kind === k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label class="check">
            <input type="checkbox" name="overdue" value="1" checked={overdue} /> Overdue or failed only
          </label>
          <button type="submit">Filter</button>
        </form>
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Document</th>
                <th scope="col">Partner</th>
                <th scope="col">Delivery</th>
                <th scope="col">Acknowledgment</th>
                <th scope="col">Order</th>
                <th scope="col">Created</th>
                {operator ? <th scope="col">Act</th> : null}
              </tr>
            </thead>
            <tbody>
              {documents.documents.map((d) => {
                const late = d.ackStatus === 'awaiting' && d.ackDueAt && d.ackDueAt.getTime() < Date.now();
                return (
                  <tr>
                    <td>
                      <a href={`${base}/edi/documents/${encodeURIComponent(d.id)}`}>{d.kind}</a>{' '}
                      <span class="sub">
                        #{d.id} ISA {d.isaControl}
                      </span>
                    </td>
                    <td>{d.connectionId}</td>
                    <td>
                      <Status value={d.status} />
                      {d.attempts ? <span class="sub"> · {d.attempts} attempts</span> : null}
                      {d.lastError ? <div class="sub">{d.lastError}</div> : null}
                    </td>
                    <td>
                      {d.ackStatus ? <Status value={late ? 'overdue' : d.ackStatus} /> : '—'}
                      {d.ackDueAt && !d.ackedAt ? (
                        <div class="sub">
                          due <Time at={d.ackDueAt.toISOString()} />
                        </div>
                      ) : null}
                    </td>
                    <td>
                      {d.orderId ? (
                        <a href={`${base}/orders/${encodeURIComponent(d.orderId)}`}>{d.orderId}</a>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      <Time at={d.createdAt.toISOString()} />
                    </td>
                    {operator ? (
                      <td>
                        {d.status === 'failed' ? (
                          <ResendForm view={view} id={d.id} back={`${base}/edi`} />
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
              <tr class="empty-row">
                <td colspan={7}>No documents{overdue ? ' overdue' : ''}.</td>
              </tr>
            </tbody>
          </table>
        </div>
        {documents.next ? (
          <p class="pager">
            <a
              href={`${base}/edi?${new URLSearchParams({ ...(overdue ? { overdue: '1' } : {}), ...(kind ? { kind } : {}), before: documents.next })}`}
            >
              Next page →
            </a>
          </p>
        ) : null}

        <h2>Interchanges received</h2>
        {interchanges.length ? (
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Control</th>
                  <th scope="col">Connection</th>
                  <th scope="col">From → to</th>
                  <th scope="col">Status</th>
                  <th scope="col">Received</th>
                </tr>
              </thead>
              <tbody>
                {interchanges.map((i) => (
                  <tr>
                    <td>
                      {i.inboxId ? (
                        <a href={`${base}/deliveries/${encodeURIComponent(i.inboxId)}`}>{i.control}</a>
                      ) : (
                        i.control
                      )}
                    </td>
                    <td>{i.connectionId}</td>
                    <td>
                      {i.sender} → {i.receiver}
                    </td>
                    <td>
                      <Status value={ACK_WORDS[i.status] ?? i.status} />
                    </td>
                    <td>
                      <Time at={i.receivedAt.toISOString()} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Empty>None received.</Empty>
        )}
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });

  app.get('/edi/documents/:id', async (c) => {
    let doc: StoredDocument;
    try {
      doc = await ediDocument(operatorOf(c, deps), c.req.param('id'));
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'opening the document') });
      return c.redirect(`${base}/edi`, 303);
    }
    const html = DocumentPage({ view: viewOf(c, deps), doc, operator: may(c, 'operator') });
    return c.html(`<!doctype html>${html}`);
  });

  app.post('/edi/documents/:id/resend', async (c) => {
    const id = c.req.param('id');
    const back = localPath(base, field(await c.req.parseBody({ all: true }), 'back'), `${base}/edi`);
    return act(c, deps, 'resending the document', back, async () => {
      const doc = await resendDocument(operatorOf(c, deps), id);
      return `document ${id} (${doc.kind}) queued again`;
    });
  });
}
