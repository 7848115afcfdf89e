/**
 * The part of Xero's `where` filter the fake understands: conditions joined by AND (or &&), each
 * `Path=="text"`, `Path==number`, `Path!="text"` or `Path.Contains("text")` / `.StartsWith` / `.EndsWith`, where
 * Path may be dotted (`Contact.ContactID`). Strings compare without regard to case, as Xero's do; a quote in a
 * string is doubled. Anything else is answered as Xero answers a filter it cannot parse.
 */
type Condition = (record: Record<string, unknown>) => boolean;

const CONDITION =
  /^\s*([A-Za-z][\w.]*?)(?:\s*(==|!=)\s*(?:"((?:[^"]|"")*)"|(-?\d+(?:\.\d+)?|true|false))|\.(Contains|StartsWith|EndsWith)\(\s*"((?:[^"]|"")*)"\s*\))\s*$/;

function valueAt(record: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as never)[key] : undefined), record);
}

/** Splits on AND / && outside quotes. */
function parts(where: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < where.length; i++) {
    const c = where[i]!;
    if (c === '"') quoted = !quoted;
    if (
      !quoted &&
      (where.startsWith(' AND ', i) || where.startsWith(' and ', i) || where.startsWith('&&', i))
    ) {
      out.push(current);
      current = '';
      i += where.startsWith('&&', i) ? 1 : 4;
      continue;
    }
    current += c;
  }
  out.push(current);
  return out;
}

export class WhereError extends Error {}

export function whereFilter(where: string | null): Condition {
  if (!where) return () => true;
  const conditions = parts(where).map((part): Condition => {
    const m = CONDITION.exec(part);
    if (!m) throw new WhereError(`cannot parse the where filter near "${part.trim()}"`);
    const [, path, op, text, literal, method, argument] = m;
    if (method) {
      const needle = argument!.replace(/""/g, '"').toLowerCase();
      return (r) => {
        const v = String(valueAt(r, path!) ?? '').toLowerCase();
        return method === 'Contains'
          ? v.includes(needle)
          : method === 'StartsWith'
            ? v.startsWith(needle)
            : v.endsWith(needle);
      };
    }
    const expected = text !== undefined ? text.replace(/""/g, '"').toLowerCase() : literal!.toLowerCase();
    return (r) => {
      const equal = String(valueAt(r, path!) ?? '').toLowerCase() === expected;
      return op === '==' ? equal : !equal;
    };
  });
  return (r) => conditions.every((c) => c(r));
}
