import { userInfo } from 'node:os';
import { type Principal, ROLES, type Role } from '@switchyard/core';
import { createKey, keys as listKeys, revokeKey } from '../operator/index.ts';
import { type Flags, out, table, UsageError, withHub } from './shared.ts';

/** The CLI acts as an admin of the tenant it names: whoever runs it holds the database. */
export function cliPrincipal(tenantId: string): Principal {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user entry (a container's arbitrary uid): the audit log says unknown.
  }
  return { actor: `cli:${user}`, name: `CLI (${user})`, tenantId, role: 'admin' };
}

const USAGE =
  'usage: switchyard keys create --tenant <id> --role admin|operator|viewer [--name <name>] | keys list [--tenant <id>] | keys revoke <key id> [--tenant <id>]';

/** `switchyard keys create | list | revoke`: API keys of a tenant, for the REST API and the console. */
export async function keys(values: Flags, [sub, id]: string[]): Promise<void> {
  if (sub === 'create') {
    const role = values.role as Role | undefined;
    if (!role || !ROLES.includes(role)) {
      throw new UsageError(
        `--role must be one of ${ROLES.join(', ')} (viewer reads; operator also replays, resolves, resends and syncs; admin also manages keys)`,
      );
    }
    if (values.name !== undefined && (!values.name.trim() || values.name.length > 100)) {
      throw new UsageError('--name must be 1 to 100 characters');
    }
  } else if (sub === 'revoke') {
    if (!id) throw new UsageError('usage: switchyard keys revoke <key id> (see: switchyard keys list)');
  } else if (sub !== 'list') {
    throw new UsageError(USAGE);
  }
  await withHub(values, async (hub) => {
    const ctx = { hub, by: cliPrincipal(hub.tenant(values.tenant)) };
    if (sub === 'create') {
      const { key, secret } = await createKey(ctx, {
        role: values.role as Role,
        ...(values.name ? { name: values.name } : {}),
      });
      if (values.json) return out({ ...key, secret });
      out(secret);
      process.stderr.write(
        `${key.id}: a ${key.role} key of tenant ${key.tenantId} ("${key.name}"). It is shown this once; only its hash is kept.\n` +
          'Use it as Authorization: Bearer <key>, or sign in at http://127.0.0.1:8080/console\n',
      );
      return;
    }
    if (sub === 'revoke') {
      const key = await revokeKey(ctx, id!);
      out(values.json ? key : `${key.id}: revoked at ${key.revokedAt}`);
      return;
    }
    const all = await listKeys(ctx);
    if (values.json) return out(all);
    if (!all.length)
      return out(
        `no keys for tenant ${ctx.by.tenantId}; create one with: switchyard keys create --role admin`,
      );
    out(
      table(
        all.map((k) => ({ ...k, lastUsedAt: k.lastUsedAt ?? 'never', revokedAt: k.revokedAt ?? '' })),
        ['id', 'name', 'role', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt'],
      ),
    );
  });
}
