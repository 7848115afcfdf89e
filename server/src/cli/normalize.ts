import { type Connection, mediaType, normalize } from '@switchyard/core';
import { installedConnectors } from '../connectors.ts';
import { configuredConnection, type Flags, out, readInput, UsageError } from './shared.ts';

/** `switchyard normalize <connector> <file>`: the canonical order(s) a stored payload maps to. */
export async function normalizeFile(values: Flags, [connectorId, file]: string[]) {
  if (!connectorId || !file) throw new UsageError('usage: switchyard normalize <connector> <file>');
  const connector = installedConnectors.get(connectorId);
  if (!connector)
    throw new UsageError(
      `no connector "${connectorId}"; installed: ${[...installedConnectors.keys()].join(', ')}`,
    );
  const body = readInput(file);
  let settings: unknown;
  let secrets: unknown = {};
  if (values.connection) {
    const configured = await configuredConnection(values, values.connection, connectorId);
    settings = configured.settings;
    secrets = configured.secrets;
  } else {
    // Normalization reads the payload, rarely the settings: without --connection, the defaults or nothing.
    const parsed = connector.settings.safeParse({});
    settings = parsed.success ? parsed.data : {};
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const at = h.indexOf(':');
    if (at < 1) throw new UsageError(`--header "${h}" must look like "Name: value"`);
    headers[h.slice(0, at).trim().toLowerCase()] = h.slice(at + 1).trim();
  }
  headers['content-type'] ??= connector.webhook?.contentTypes[0] ?? 'application/octet-stream';
  const connection: Connection = {
    id: values.connection ?? 'cli',
    tenantId: 'cli',
    connector,
    settings,
    secrets,
  };
  const result = normalize(connection, {
    headers,
    body: new Uint8Array(body),
    contentType: mediaType(headers['content-type']),
    receivedAt: new Date(),
  });
  if (!result.ok) throw new UsageError(`${file}: ${result.message}`);
  out(result.ignored ? { orders: [], ignored: result.ignored } : { orders: result.drafts });
}
