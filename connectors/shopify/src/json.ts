import { isSafeNumber, parse } from 'lossless-json';

/** An integer literal too long to be exact as a JS number (Shopify ids exceed 2^53). */
const LONG_INTEGER = /[:[,]\s*-?\d{16,}\s*[,}\]]/;

/**
 * Parses a Shopify body without losing precision: numbers that a JS number cannot
 * hold exactly (ids above 2^53) come back as their exact decimal string. Bodies
 * without such a number take the fast path through JSON.parse.
 */
export function parseExact(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  return parse(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}

/** The number at the end of a Shopify gid (`gid://shopify/Order/123` or `…/123?x=y` -> "123"). */
export const gidNumber = (gid: unknown): string | null =>
  typeof gid === 'string' ? (/\/(\d+)(\?.*)?$/.exec(gid)?.[1] ?? null) : null;

/**
 * A Shopify id as a string. The `admin_graphql_api_id` gid comes first: it is a string
 * no JSON tool on the way can round; then a numeric or string `id` that is exact.
 */
export function idOf(resource: { id?: unknown; admin_graphql_api_id?: unknown }): string | undefined {
  const fromGid = gidNumber(resource.admin_graphql_api_id);
  if (fromGid) return fromGid;
  if (typeof resource.id === 'string' && /^\d+$/.test(resource.id)) return resource.id;
  if (typeof resource.id === 'number' && Number.isSafeInteger(resource.id)) return String(resource.id);
  return undefined;
}
