import { syncWebhookSubscriptions } from '../operator/index.ts';
import { cliPrincipal } from './keys.ts';
import { connectionOf, type Flags, out, UsageError, withHub } from './shared.ts';

const USAGE = 'usage: switchyard connections sync-webhooks <connection> [--url <public url>]';

/** `switchyard connections sync-webhooks <connection>`: the vendor's subscriptions pointed at this hub. */
export async function connections(values: Flags, [sub, id]: string[]) {
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
