/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { countExceptions, type HubException, listExceptions } from '@switchyard/core';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ConsoleDeps, ConsoleEnv } from './context.ts';
import { ExceptionRow } from './exceptions.tsx';

/** How often the stream looks at the database for what changed. */
export const LIVE_EVERY_MS = 2000;

/**
 * The live counters and the inbox's new rows, as server-sent events (htmx's sse extension swaps them in):
 * `open-count` (the open exceptions, in the navigation) whenever it changes, and with `rows=1`, `exception`
 * (a new row of the inbox) for every exception recorded after the newest one the page showed and matching its
 * filter. The stream looks at the database every two seconds, with the session's tenant only, and ends with the
 * session.
 */
export function liveRoutes(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  app.get('/live', (c) => {
    const session = c.get('session');
    const tenant = session.principal.tenantId;
    const rows = c.req.query('rows') === '1';
    const connection = c.req.query('connection') || undefined;
    const kind = c.req.query('kind') || undefined;
    const sinceDay = /^\d{4}-\d{2}-\d{2}$/.test(c.req.query('since') ?? '')
      ? c.req.query('since')
      : undefined;
    const afterParam = Date.parse(c.req.query('after') ?? '');
    let after = Number.isNaN(afterParam) ? new Date() : new Date(afterParam);
    if (sinceDay && Date.parse(`${sinceDay}T00:00:00Z`) > after.getTime())
      after = new Date(`${sinceDay}T00:00:00Z`);
    const seen = new Set<string>([c.req.query('last') ?? '']);
    const selectable = session.principal.role !== 'viewer';
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      let lastCount = -1;
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      while (!closed) {
        try {
          // Signed out, expired, or its key revoked: the stream ends (the page's reconnect is refused).
          if (!(await deps.sessions.alive(session.id))) break;
          const counts = await countExceptions(deps.hub.sql, tenant);
          if (counts.open !== lastCount) {
            lastCount = counts.open;
            await stream.writeSSE({
              event: 'open-count',
              data: `<b>${counts.open}</b><span class="visually-hidden"> open</span>`,
            });
          }
          if (rows) {
            // Oldest first, so that each is put on top of the one before.
            const fresh = await newExceptions(deps, tenant, after, connection, kind, seen);
            // Only rows at the newest millisecond can come again: the older ids need not be kept.
            if (seen.size > 1000) seen.clear();
            for (const e of fresh) {
              seen.add(e.id);
              if (Date.parse(e.createdAt) > after.getTime()) after = new Date(e.createdAt);
              const html = String(<ExceptionRow e={e} base={deps.base} selectable={selectable} />);
              await stream.writeSSE({ event: 'exception', data: html.replace(/\n/g, ' ') });
            }
          }
        } catch (error) {
          deps.log.warn('console live stream: the database did not answer; trying again', {
            error: error instanceof Error ? error.message : String(error),
          });
        }
        await stream.sleep(LIVE_EVERY_MS);
      }
    });
  });
}

async function newExceptions(
  deps: ConsoleDeps,
  tenant: string,
  after: Date,
  connectionId: string | undefined,
  kind: string | undefined,
  seen: Set<string>,
): Promise<HubException[]> {
  // created_at >= after (to the millisecond): a row of the same millisecond as the last one shown is caught,
  // and the ones already sent are skipped by id.
  const page = await listExceptions(deps.hub.sql, tenant, {
    status: 'open',
    since: after,
    ...(connectionId ? { connectionId } : {}),
    ...(kind ? { kind } : {}),
    limit: 100,
  });
  return page.items.filter((e) => !seen.has(e.id)).reverse();
}
