import { HubError } from '@switchyard/core';
import { authorizationStatus, beginAuthorization, syncWebhookSubscriptions } from '../operator/index.ts';
import { cliPrincipal } from './keys.ts';
import { connectionOf, type Flags, out, UsageError, withHub } from './shared.ts';

const USAGE =
  'usage: switchyard connections sync-webhooks <connection> [--url <public url>] | connections authorize <connection> [--url <hub url>] [--no-wait]';

/**
 * `switchyard connections sync-webhooks <connection>`: the vendor's subscriptions pointed at this hub;
 * `switchyard connections authorize <connection>`: the OAuth consent link of a books connection, then a wait
 * until the running hub has received the vendor's redirect.
 */
export async function connections(values: Flags & { 'no-wait'?: boolean }, [sub, id]: string[]) {
  if (sub === 'authorize') return authorize(values, id);
  if (sub !== 'sync-webhooks') throw new UsageError(USAGE);
  if (!id) throw new UsageError(USAGE);
  await withHub(values, async (hub) => {
    const connection = connectionOf(hub, id);
    if (!connection.connector.webhook?.subscribe) {
      throw new UsageError(
        `connector ${connection.connector.id} cannot manage its webhook subscriptions; set them up in its admin`,
      );
    }
    const base = (values.url ?? hub.config.server.publicUrl)?.replace(/\/+$/, '');
    if (!base || !/^https?:\/\//.test(base)) {
      throw new UsageError(
        'pass --url https://<where the vendor reaches this hub>, or set server.publicUrl in the config',
      );
    }
    const result = await syncWebhookSubscriptions({ hub, by: cliPrincipal(connection.tenantId) }, id, {
      base,
    });
    out(
      values.json
        ? result
        : `${id} → ${result.url}: ${result.created.length} created, ${result.updated.length} repointed, ${result.unchanged.length} already right`,
    );
  });
}

/** How long the CLI waits for the vendor's redirect (the link expires then too). */
const WAIT_MS = 15 * 60_000;

async function authorize(values: Flags & { 'no-wait'?: boolean }, id: string | undefined) {
  if (!id) throw new UsageError(USAGE);
  await withHub(values, async (hub) => {
    const connection = connectionOf(hub, id);
    const ctx = { hub, by: cliPrincipal(connection.tenantId) };
    const started = await beginAuthorization(ctx, id, values.url ? { fallbackBase: values.url } : {});
    if (values.json) out(started);
    else
      out(
        [
          `Open this link, sign in to ${connection.connector.title} and allow access:`,
          '',
          `  ${started.url}`,
          '',
          `${connection.connector.title} sends you back to ${started.redirectUri}: the hub must be running there (npm start),`,
          "and that address must be registered as a redirect URI of your app in the vendor's developer portal.",
        ].join('\n'),
      );
    if (values['no-wait']) return;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const outcome = await authorizationStatus(ctx, id, started.id);
      if (outcome.status === 'authorized') {
        out(values.json ? outcome : `authorized: ${outcome.detail ?? id}`);
        return;
      }
      if (outcome.status === 'failed' || outcome.status === 'expired' || Date.now() > deadline)
        throw new HubError({
          type: 'authorization-failed',
          title: 'Not authorized',
          status: 400,
          detail:
            outcome.status === 'failed'
              ? (outcome.detail ?? 'the vendor refused')
              : 'the link expired before the vendor sent you back',
          fix: `run switchyard connections authorize ${id} again`,
        });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });
}
