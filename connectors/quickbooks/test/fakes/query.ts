import {
  entityOfResource,
  type FakeEntity,
  type FakeObject,
  type FakeRealm,
  objectsOf,
  refuse,
} from './state.ts';

/**
 * The part of QuickBooks' query language the hub uses: `select * from <Entity> [where <field> = '<value>'
 * [and …]] [startposition N] [maxresults N]`, with `=` and `in (…)`, values in single quotes with backslash
 * escapes, compared case-insensitively as QuickBooks does. Anything else is a QueryParserError (4000), so a
 * query the connector should not build fails here too.
 */
const STATEMENT =
  /^\s*select\s+\*\s+from\s+(\w+)(?:\s+where\s+(.+?))?(?:\s+startposition\s+(\d+))?(?:\s+maxresults\s+(\d+))?\s*$/is;
const VALUE = /'((?:[^'\\]|\\.)*)'/g;
const CONDITION = /^\s*([\w.]+)\s*(=|in)\s*(.+?)\s*$/is;

/** The fields the fake can filter on, and how each is read from an object. */
const FIELDS: Readonly<Record<string, (o: FakeObject) => unknown>> = {
  id: (o) => o.Id,
  docnumber: (o) => o.DocNumber,
  txndate: (o) => o.TxnDate,
  displayname: (o) => o.DisplayName,
  customerref: (o) => (o.CustomerRef as { value?: unknown } | undefined)?.value,
  active: (o) => o.Active,
};

const unescaped = (v: string) => v.replace(/\\(.)/g, '$1');

/** The conditions of a where clause: split on AND outside quoted values. */
function splitAnd(where: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < where.length; i++) {
    const c = where[i]!;
    if (quoted && c === '\\') {
      current += c + (where[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === "'") quoted = !quoted;
    const and = quoted ? null : /^\s+and\s+/i.exec(where.slice(i));
    if (and) {
      parts.push(current);
      current = '';
      i += and[0].length - 1;
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function condition(text: string): (o: FakeObject) => boolean {
  const m = CONDITION.exec(text);
  const read = m ? FIELDS[m[1]!.toLowerCase()] : undefined;
  if (!m || !read) return refuse('4000', 'Error parsing query', `QueryParserError: cannot filter on ${text}`);
  const values = [...m[3]!.matchAll(VALUE)].map((v) => unescaped(v[1]!).toLowerCase());
  if (m[2]!.toLowerCase() === '=' && values.length !== 1) {
    return refuse('4000', 'Error parsing query', `QueryParserError: ${text}`);
  }
  return (o) => values.includes(String(read(o) ?? '').toLowerCase());
}

export function runQuery(realm: FakeRealm, statement: string): Record<string, unknown> {
  const m = STATEMENT.exec(statement);
  const entity = m ? entityOfResource(m[1]!) : undefined;
  if (!m || !entity) return refuse('4000', 'Error parsing query', `QueryParserError: ${statement}`);
  const tests = m[2] ? splitAnd(m[2]).map(condition) : [];
  const start = Math.max(1, Number(m[3] ?? 1));
  const max = Math.min(1000, Number(m[4] ?? 100));
  const matching = [...objectsOf(realm, entity).values()]
    .filter((o) => (entity === 'Customer' ? o.Active !== false : true))
    .filter((o) => tests.every((t) => t(o)));
  const page = matching.slice(start - 1, start - 1 + max);
  return page.length
    ? { [entity]: structuredClone(page), startPosition: start, maxResults: page.length }
    : {};
}

/** Change data capture: per entity asked, what changed at or after `since`, the deleted last. */
export function runCdc(realm: FakeRealm, entities: string[], since: number, now: number) {
  if (!Number.isFinite(since))
    return refuse('2010', 'Invalid changedSince', 'changedSince must be a date-time');
  if (since < now - 30 * 86_400_000) {
    return refuse('2010', 'Invalid changedSince', 'changedSince must be within the last 30 days');
  }
  const changed = (o: FakeObject) =>
    Date.parse(String((o.MetaData as { LastUpdatedTime?: string } | undefined)?.LastUpdatedTime)) >= since;
  return entities.map((name) => {
    const entity = entityOfResource(name) as FakeEntity | undefined;
    if (!entity) return refuse('2010', 'Invalid entity', `CDC does not know ${name}`);
    const live = [...objectsOf(realm, entity).values()].filter(changed);
    const gone = [...(realm.deleted.get(entity)?.values() ?? [])].filter(changed);
    const list = [...live, ...gone];
    return list.length
      ? { [entity]: structuredClone(list), startPosition: 1, maxResults: list.length }
      : { startPosition: 1, maxResults: 0 };
  });
}
