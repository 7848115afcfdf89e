import { describeError } from '@switchyard/core';
import { Hono } from 'hono';
import type { Logger } from '../log.ts';
import { completeAuthorization } from '../operator/authorize.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** A page a person reads in the browser the vendor sent back: what happened, and what to do. */
function page(title: string, message: string, ok: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.4rem;color:${ok ? '#1b7f3b' : '#b42318'}}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p>${ok ? 'You can close this window; the CLI or the console shows the connection as authorized.' : 'Nothing was changed.'}</p></body></html>`;
}

/**
 * `GET /oauth/callback`: where QuickBooks and Xero send the merchant back after consent. Public (the vendor's
 * redirect carries no API key): the single-use `state` is the credential. Never logs the code.
 */
export function oauthRoutes(hub: Parameters<typeof completeAuthorization>[0], log: Logger): Hono {
  const app = new Hono();
  app.get('/callback', async (c) => {
    const query = c.req.query();
    try {
      const outcome = await completeAuthorization(hub, query);
      if (outcome.ok) log.info('connection authorized', { connection: outcome.connectionId });
      else
        log.warn('authorization not completed', {
          connection: outcome.connectionId,
          reason: outcome.message,
        });
      return c.html(
        page(outcome.ok ? 'Connected' : 'Not connected', outcome.message, outcome.ok),
        outcome.ok ? 200 : 400,
      );
    } catch (error) {
      log.error('the authorization callback failed', { error: describeError(error) });
      return c.html(
        page(
          'Not connected',
          'the hub could not finish the authorization (its database did not answer), and this link is spent: start the authorization again (switchyard connections authorize <connection>, or Authorize in the console) once the hub is healthy',
          false,
        ),
        503,
      );
    }
  });
  return app;
}
