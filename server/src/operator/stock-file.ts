import { createHash } from 'node:crypto';
import { applyMovement, byCodeUnits, HubError, recordAudit } from '@switchyard/core';
import { type OperatorContext, requireRole } from './context.ts';
import { checkSku, knownLocation, quantityProblem, shown, tenantLocations } from './inventory.ts';

/**
 * Stock loaded from a CSV file (`sku,location,quantity[,reason]`): a stock take's counts by default, or
 * receipts or adjustments. All or nothing, in one transaction; every bad row is named by its line. Each row's
 * idempotency key is the kind, the file's SHA-256 and the line (`fileRowKey`), so the same file loaded twice as
 * the same kind counts once, and loaded as another kind (counts, then receipts) is recorded as that kind too.
 */

export const FILE_KINDS = ['count', 'receipt', 'adjustment'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** The idempotency key of a file's row: loaded as another kind, the same row is another movement. */
export const fileRowKey = (kind: FileKind, sha256: string, line: number) => `file:${kind}:${sha256}:${line}`;

/** Most rows one file may hold: one transaction locks every balance it names. */
export const FILE_ROWS_MAX = 100_000;
/** Most problems the answer lists (the detail names the first ten). */
const PROBLEMS_MAX = 1_000;

const COLUMNS = ['sku', 'location', 'quantity', 'reason'] as const;

interface Row {
  line: number;
  sku: string;
  locationId: string;
  quantity: number;
  reason: string | undefined;
}

export interface FileProblem {
  line: number;
  problem: string;
}

/** RFC 4180 records (quoted fields may hold commas, quotes as "" and line breaks), each with the line it starts on. */
export function csvRecords(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const end = () => {
    fields.push(field);
    if (touched || fields.length > 1 || field !== '') records.push({ line: start, fields });
    fields = [];
    field = '';
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      touched = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      touched = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      end();
      line++;
      start = line;
    } else field += ch;
  }
  if (quoted) records.push({ line: start, fields: [...fields, `${field}\u0000unterminated`] });
  else end();
  return records;
}

function invalidFile(detail: string, fix: string, problems: FileProblem[] = []): HubError {
  return new HubError({
    type: 'invalid-stock-file',
    title: 'Stock file refused',
    status: 400,
    detail,
    fix,
    ...(problems.length ? { problems: problems.slice(0, PROBLEMS_MAX) } : {}),
  });
}

/** The file's rows, checked: a 400 naming every bad line (nothing is recorded). */
export function parseStockFile(ctx: OperatorContext, text: string, kind: FileKind): Row[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''));
  const header = records.shift();
  const names = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const at = Object.fromEntries(COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<
    (typeof COLUMNS)[number],
    number
  >;
  const extra = names.filter((n) => !(COLUMNS as readonly string[]).includes(n));
  if (!header || at.sku < 0 || at.location < 0 || at.quantity < 0 || extra.length) {
    throw invalidFile(
      `line 1 must be the header sku,location,quantity[,reason]; it is "${shown(header?.fields.join(',') ?? '')}"`,
      'put the header sku,location,quantity (and reason, if the rows give one) on the first line',
    );
  }
  if (!records.length)
    throw invalidFile('the file has a header and no rows', 'add a row per SKU and location');
  if (records.length > FILE_ROWS_MAX) {
    throw invalidFile(
      `the file has ${records.length} rows, more than ${FILE_ROWS_MAX}`,
      `split it into files of at most ${FILE_ROWS_MAX} rows`,
    );
  }
  const known = tenantLocations(ctx).map((l) => l.id);
  const rows: Row[] = [];
  const problems: FileProblem[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of records) {
    const cell = (c: (typeof COLUMNS)[number]) => (at[c] >= 0 ? (fields[at[c]] ?? '').trim() : '');
    const wrong = (problem: string) => problems.push({ line, problem });
    if (fields.some((f) => f.endsWith('\u0000unterminated'))) {
      wrong('a quoted field is not closed');
      continue;
    }
    if (fields.length !== names.length) {
      wrong(`${fields.length} fields where the header has ${names.length}`);
      continue;
    }
    let sku = '';
    try {
      sku = checkSku(cell('sku'));
    } catch {
      wrong(cell('sku') ? `SKU "${shown(cell('sku'))}" is not one the ledger can keep` : 'no SKU');
      continue;
    }
    const locationId = cell('location');
    try {
      knownLocation(ctx, locationId);
    } catch {
      wrong(
        locationId
          ? `no location "${shown(locationId)}" (the tenant has ${known.join(', ') || 'none'})`
          : 'no location',
      );
      continue;
    }
    const text = cell('quantity');
    const quantity = /^[+-]?\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
    const problem = Number.isNaN(quantity)
      ? `quantity "${shown(text)}" is not a whole number`
      : quantityProblem(kind, quantity);
    if (problem) {
      wrong(problem);
      continue;
    }
    const reason = cell('reason') || undefined;
    if (kind === 'adjustment' && !reason) {
      wrong('an adjustment needs its reason (the reason column)');
      continue;
    }
    if (reason && (reason.length > 500 || /\p{Cc}/u.test(reason))) {
      wrong('the reason is over 500 characters or holds control characters');
      continue;
    }
    const place = `${sku}\u0000${locationId}`;
    if (kind === 'count' && seen.has(place)) {
      wrong(`${sku} at ${locationId} is counted on line ${seen.get(place)} too: which count is right?`);
      continue;
    }
    seen.set(place, line);
    rows.push({ line, sku, locationId, quantity, reason });
  }
  if (problems.length) {
    const listed = problems.slice(0, 10).map((p) => `line ${p.line}: ${p.problem}`);
    throw invalidFile(
      `${problems.length} of ${records.length} rows cannot be loaded: ${listed.join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
      'correct those lines and load the file again; nothing was recorded',
      problems,
    );
  }
  return rows;
}

export interface FileLoad {
  kind: FileKind;
  /** The file's SHA-256 (hex): loading it again as the same kind counts nothing twice. */
  sha256: string;
  rows: number;
  /** Rows recorded now. */
  applied: number;
  /** Rows a load of the same file as the same kind recorded before. */
  alreadyLoaded: number;
}

/**
 * Loads a stock file (operator), all or nothing: each row one movement of `kind`, in one transaction with the
 * audit entry. A row the ledger refuses (an adjustment below zero) refuses the file, naming its line.
 */
export async function loadStockFile(
  ctx: OperatorContext,
  file: Uint8Array,
  options: { kind?: string | undefined } = {},
): Promise<FileLoad> {
  requireRole(ctx, 'operator', 'loading stock from a file');
  const kind = (options.kind ?? 'count') as FileKind;
  if (!FILE_KINDS.includes(kind))
    throw invalidFile(
      `kind "${shown(String(options.kind))}" is not one a file loads`,
      `use ${FILE_KINDS.join(', ')}`,
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file);
  } catch {
    throw invalidFile('the file is not UTF-8 text', 'save it as CSV in UTF-8');
  }
  const sha256 = createHash('sha256').update(file).digest('hex');
  const rows = parseStockFile(ctx, text, kind);
  // Balances locked in (sku, location) order, as every mover of several locks them.
  const ordered = [...rows].sort(
    (a, b) => byCodeUnits(a.sku, b.sku) || byCodeUnits(a.locationId, b.locationId) || a.line - b.line,
  );
  const applied = await ctx.hub.sql.begin(async (tx) => {
    let recorded = 0;
    const refused: FileProblem[] = [];
    for (const row of ordered) {
      try {
        const done = await applyMovement(tx, {
          tenantId: ctx.by.tenantId,
          sku: row.sku,
          locationId: row.locationId,
          kind,
          quantity: row.quantity,
          reason: row.reason ?? `loaded from file ${sha256.slice(0, 12)}`,
          actor: ctx.by.actor,
          idempotencyKey: fileRowKey(kind, sha256, row.line),
        });
        if (done) recorded++;
      } catch (error) {
        // A refusal is thrown before anything of its row is written: the others are still checked.
        if (!(error instanceof HubError) || error.problem.status !== 409) throw error;
        refused.push({ line: row.line, problem: error.problem.detail });
      }
    }
    if (refused.length) {
      refused.sort((a, b) => a.line - b.line);
      throw new HubError({
        type: 'stock-refused',
        title: 'Stock file refused',
        status: 409,
        detail: `${refused.length} rows would break the ledger: ${refused
          .slice(0, 10)
          .map((p) => `line ${p.line}: ${p.problem}`)
          .join('; ')}`,
        fix: 'record counts for those SKUs instead, or correct the rows; nothing was recorded',
        problems: refused.slice(0, PROBLEMS_MAX),
      });
    }
    if (recorded) {
      await recordAudit(tx, ctx.by, {
        action: `stock.load-${kind}s`,
        targetType: 'stock-file',
        targetId: sha256,
        after: { kind, rows: rows.length, applied: recorded },
        requestId: ctx.requestId,
      });
    }
    return recorded;
  });
  return { kind, sha256, rows: rows.length, applied, alreadyLoaded: rows.length - applied };
}
