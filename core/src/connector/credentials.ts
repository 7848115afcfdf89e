/**
 * Request headers that carry credentials whoever sends them: never stored with a delivery or a file. A connector
 * adds its vendor's own with `webhook.credentialHeaders`.
 */
export const CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'x-auth-token',
]);

/** Whether a request header carries credentials: a common one, or one the connector declares. Case-insensitive. */
export function isCredentialHeader(name: string, declared: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.includes(lower) || declared.some((d) => d.toLowerCase() === lower);
}

/** The headers of a request as stored: all but those that carry credentials (`isCredentialHeader`). */
export function storableHeaders(
  headers: Readonly<Record<string, string>>,
  declared: readonly string[] = [],
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isCredentialHeader(name, declared)) kept[name] = value;
  }
  return kept;
}
