/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { ediDocuments, ediInterchanges, ediPartners, resendDocument } from '../operator/index.ts';
import { act, type ConsoleDeps, type ConsoleEnv, may, messageOf, operatorOf, viewOf } from './context.ts';
import { Csrf, Empty, Page, Status, Time } from './layout.tsx';

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
                      {d.kind}{' '}
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
                          <form
                            method="post"
                            action={`${base}/edi/documents/${encodeURIComponent(d.id)}/resend`}
                          >
                            <Csrf view={view} />
                            <button type="submit">Resend</button>
                          </form>
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

  app.post('/edi/documents/:id/resend', (c) => {
    const id = c.req.param('id');
    return act(c, deps, 'resending the document', `${base}/edi`, async () => {
      const doc = await resendDocument(operatorOf(c, deps), id);
      return `document ${id} (${doc.kind}) queued again`;
    });
  });
}
