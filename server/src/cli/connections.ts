import { connectionContext } from '@switchyard/core';
import { connectionOf, type Flags, out, UsageError, withHub } from './shared.ts';

/** `switchyard connections sync-webhooks <connection>`. */
export async function connections(values: Flags, [sub, id]: string[]) {
  if (sub !== 'sync-webhooks')
    throw new UsageError('usage: switchyard connections sync-webhooks <connection> [--url <public url>]');
  await syncWebhooks(values, id);
}

async function syncWebhooks(values: Flags, id: string | undefined) {
  if (!id)
    throw new UsageError('usage: switchyard connections sync-webhooks <connection> [--url <public url>]');
  await withHub(values, async (hub) => {
    const connection = connectionOf(hub, id);
    const subscribe = connection.connector.webhook?.subscribe;
    if (!subscribe)
      throw new UsageError(
        `connector ${connection.connector.id} cannot manage its webhook subscriptions; set them up in its admin`,
      );
    const base = (values.url ?? hub.config.server.publicUrl)?.replace(/\/+$/, '');
    if (!base || !/^https?:\/\//.test(base)) {
      throw new UsageError(
        'pass --url https://<where the vendor reaches this hub>, or set server.publicUrl in the config',
      );
    }
    const url = `${base}/webhooks/${id}`;
    const result = await subscribe(connectionContext(connection), {
      url,
      signal: new AbortController().signal,
    });
    out(
      values.json
        ? { url, ...result }
        : `${id} → ${url}: ${result.created.length} created, ${result.updated.length} repointed, ${result.unchanged.length} already right`,
    );
  });
}
