import { abortableSleep, type PulledRecord, type PullPage, type PullRequest } from '@switchyard/core';
import { shopifyClient } from './client.ts';
import { gidNumber, parseExact } from './json.ts';
import {
  FULFILLMENT_FIELDS,
  LINE_FIELDS,
  ORDER_FIELDS,
  pulledRecord,
  REFUND_FIELDS,
  SHIPPING_FIELDS,
} from './pull.ts';
import type { Settings } from './settings.ts';

/**
 * Backfills through a bulk operation: Shopify runs the query on its side and leaves the result as one JSONL
 * file, which is streamed here a line at a time, never loaded whole.
 *
 * Bulk queries allow five connections nested two deep, and no connection inside a list: orders, their line
 * items and shipping lines are connections; fulfillments and refunds (lists) come without their lines. With
 * `groupObjects` every line item and shipping line follows its order in the file, marked `__parentId`, so an
 * order is complete when the next order's line arrives: memory holds one order, whatever the file's size.
 */
const bulkQuery = (search: string | null) => `{
  orders(${search ? `query: ${JSON.stringify(search)}, ` : ''}sortKey: UPDATED_AT) {
    edges { node {
      ${ORDER_FIELDS}
      fulfillments { ${FULFILLMENT_FIELDS} }
      refunds { ${REFUND_FIELDS} }
      lineItems { edges { node { __typename ${LINE_FIELDS} } } }
      shippingLines { edges { node { __typename ${SHIPPING_FIELDS} } } }
    } }
  }
}`;

const RUN = `mutation SwitchyardBulkOrders($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}`;

const STATUS = `query SwitchyardBulkOperation($id: ID!) {
  bulkOperation(id: $id) { id status errorCode createdAt objectCount rootObjectCount fileSize url partialDataUrl }
}`;

interface Operation {
  id: string;
  status: string;
  errorCode?: string | null;
  createdAt: string;
  objectCount?: string | number | null;
  rootObjectCount?: string | number | null;
  fileSize?: string | number | null;
  url?: string | null;
}

/** Where an interrupted import resumes: the operation, the byte where the next order starts, orders done. */
interface BulkCursor {
  operation: string;
  offset: number;
  done: number;
}
const CURSOR = /^bulk:(\d+):(\d+):(\d+)$/;
export const isBulkCursor = (cursor: string | undefined) => !!cursor && CURSOR.test(cursor);
const encode = (c: BulkCursor) => `bulk:${gidNumber(c.operation)}:${c.offset}:${c.done}`;
function decode(cursor: string): BulkCursor {
  const [, id, offset, done] = CURSOR.exec(cursor)!;
  return { operation: `gid://shopify/BulkOperation/${id}`, offset: Number(offset), done: Number(done) };
}

export type BulkSettings = Pick<Settings, 'shop' | 'timeoutSeconds' | 'apiOrigin' | 'bulkPageSize'> & {
  /** First wait between status polls; it grows to 30 s. */
  bulkPollMs?: number;
};

/** Poll waits: from `first`, growing by half each time, to 30 s. */
function* pollDelays(first: number) {
  for (let wait = first; ; wait = Math.min(30_000, Math.ceil(wait * 1.5))) yield wait;
}

export async function* pullBulk(
  settings: BulkSettings,
  accessToken: string | undefined,
  request: PullRequest,
): AsyncGenerator<PullPage> {
  if (!accessToken) {
    throw new Error('a bulk backfill needs secrets.accessToken (an Admin API access token with read_orders)');
  }
  const client = shopifyClient(settings, accessToken, 'read_orders');
  const call = <T>(query: string, variables: Record<string, unknown>, what: string, idempotent = true) =>
    client.graphql<T>(what, query, variables, { signal: request.signal, attempts: 8, idempotent });
  const search = request.since
    ? `updated_at:>='${new Date(request.since.getTime() - 1000).toISOString()}'`
    : null;

  const start = async (): Promise<BulkCursor> => {
    // Starting an export is not idempotent: repeated only when Shopify surely did not run it (throttled, 429,
    // refused connection), never after a lost answer, which could leave a second export running.
    const data = await call<{
      bulkOperationRunQuery: {
        bulkOperation: Operation | null;
        userErrors: { message: string; code?: string }[];
      };
    }>(RUN, { query: bulkQuery(search) }, 'bulk export', false);
    const { bulkOperation, userErrors } = data.bulkOperationRunQuery;
    if (!bulkOperation) {
      const busy = userErrors.some((e) => e.code === 'OPERATION_IN_PROGRESS' || e.code === 'LIMIT_REACHED');
      throw new Error(
        `Shopify refused the bulk export: ${userErrors.map((e) => e.message).join('; ') || 'no reason given'}${
          busy
            ? ' (the app already runs as many bulk queries on this shop as Shopify allows: wait for them, or cancel one with bulkOperationCancel)'
            : ''
        }`,
      );
    }
    return { operation: bulkOperation.id, offset: 0, done: 0 };
  };

  let position = request.cursor && isBulkCursor(request.cursor) ? decode(request.cursor) : undefined;
  // An export an earlier run started may be gone (failed, cancelled, its file expired 7 days after): this run
  // may then start one new export from the same time; orders already imported come out as duplicates.
  let mayRestart = !!position;
  if (!position) {
    position = await start();
    // Recorded before waiting, so a crash while Shopify works resumes this export instead of starting another.
    yield { records: [], cursor: encode(position), status: 'bulk export started' };
  }

  for (;;) {
    // Wait for the export. Each poll is yielded, so the hub renews its lease and shows the wait.
    let operation: Operation | undefined;
    const delays = pollDelays(settings.bulkPollMs ?? 1000);
    while (!operation) {
      const data = await call<{ bulkOperation: Operation | null }>(
        STATUS,
        { id: position.operation },
        'bulk export status',
      );
      const found = data.bulkOperation;
      if (found?.status === 'COMPLETED') {
        operation = found;
        break;
      }
      if (!found || ['FAILED', 'CANCELED', 'EXPIRED'].includes(found.status)) {
        const why = found
          ? `${found.status.toLowerCase()}${found.errorCode ? ` (${found.errorCode})` : ''}`
          : 'not found';
        if (!mayRestart) {
          throw new Error(
            `Shopify's bulk export ${position.operation} ${why}; run the backfill again to start a new export`,
          );
        }
        mayRestart = false;
        position = await start();
        yield {
          records: [],
          cursor: encode(position),
          status: `earlier bulk export ${why}; started a new one`,
        };
        continue;
      }
      // CREATED, RUNNING, CANCELING, or a status this version does not know: wait and ask again.
      await abortableSleep(delays.next().value as number, request.signal);
      yield {
        records: [],
        cursor: encode(position),
        status: `waiting for Shopify's bulk export (${found.status.toLowerCase()}, ${found.objectCount ?? 0} objects so far)`,
      };
    }

    const total = operation.rootObjectCount == null ? undefined : Number(operation.rootObjectCount);
    // Orders changed while Shopify was exporting may be in the file in their earlier state: the next sync
    // starts no later than the export did.
    const ceiling = Date.parse(operation.createdAt);
    const size = operation.fileSize == null ? undefined : Number(operation.fileSize);
    if (!operation.url || (size !== undefined && position.offset >= size)) {
      // Nothing matched (Shopify leaves no file), or everything was read before an interruption.
      yield { records: [], cursor: null, remaining: 0 };
      return;
    }

    try {
      // A full page is handed over only once the next order is seen, so its cursor always points at an order
      // still to read; the last page's cursor is null.
      let records: PulledRecord[] = [];
      let latest = 0;
      let from = position.offset;
      for await (const order of streamOrders(
        operation.url,
        position.offset,
        settings,
        request.signal,
        size,
      )) {
        if (records.length >= settings.bulkPageSize) {
          position = { ...position, offset: from, done: position.done + records.length };
          yield page(records, encode(position), latest, ceiling, total, position.done);
          records = [];
        }
        const updated = Date.parse(order.node.updatedAt);
        if (updated > latest) latest = updated;
        records.push(pulledRecord(order.node, 'bulk'));
        from = order.next;
      }
      yield page(records, null, latest, ceiling, total, position.done + records.length);
      return;
    } catch (error) {
      if (!(error instanceof ExportGone) || !mayRestart) throw error;
      mayRestart = false;
      position = await start();
      yield { records: [], cursor: encode(position), status: `${error.message}; started a new bulk export` };
    }
  }
}

function page(
  records: PulledRecord[],
  cursor: string | null,
  latest: number,
  ceiling: number,
  total: number | undefined,
  done: number,
): PullPage {
  return {
    records,
    cursor,
    ...(latest ? { watermark: new Date(Math.min(latest, ceiling)).toISOString() } : {}),
    ...(total !== undefined ? { remaining: cursor === null ? 0 : Math.max(0, total - done) } : {}),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: JSONL objects are untyped here; the normalizer's zod schema checks them
type Json = Record<string, any>;

/** The file is wrong in a way reading it again cannot mend. */
class BulkFormatError extends Error {}
/** The export's file can no longer be read (its link lasts 7 days). */
class ExportGone extends BulkFormatError {}

/**
 * The export's orders, each with its line items and shipping lines put back as the paged query's connections,
 * and the byte offset where the next order starts (the resume point). A dropped or short download resumes at
 * the order being read with an HTTP Range request, up to 5 times with backoff.
 */
export async function* streamOrders(
  url: string,
  from: number,
  settings: { timeoutSeconds: number },
  signal: AbortSignal,
  size?: number,
): AsyncGenerator<{ node: Json; next: number }> {
  let offset = from; // the first byte of the order being assembled
  let failures = 0;
  for (;;) {
    let current: Json | undefined;
    let read = offset; // bytes of the file consumed so far
    try {
      for await (const line of lines(url, offset, settings.timeoutSeconds, signal)) {
        let object: Json;
        try {
          object = parseExact(line.text) as Json;
        } catch (error) {
          throw new BulkFormatError(`line at byte ${line.start} is not JSON: ${(error as Error).message}`);
        }
        if (object.__parentId === undefined) {
          if (current) {
            yield { node: current, next: line.start };
            offset = line.start;
            failures = 0;
          }
          current = { ...object, lineItems: { nodes: [] }, shippingLines: { nodes: [] } };
        } else {
          if (!current || object.__parentId !== current.id) {
            throw new BulkFormatError(
              `line at byte ${line.start} belongs to ${object.__parentId}, which is not the order before it: the export was not run with groupObjects`,
            );
          }
          const { __parentId, __typename, ...child } = object;
          const kind = __typename ?? /^gid:\/\/shopify\/(\w+)\//.exec(String(child.id ?? ''))?.[1];
          if (kind === 'LineItem') current.lineItems.nodes.push(child);
          else if (kind === 'ShippingLine') current.shippingLines.nodes.push(child);
          else
            throw new BulkFormatError(
              `line at byte ${line.start} is a ${kind ?? 'child without a type'}, not a line item or shipping line`,
            );
        }
        read = line.end;
      }
      if (size !== undefined && read < size) {
        throw new Error(`the download ended at byte ${read} of ${size}`);
      }
      if (current) yield { node: current, next: read };
      return;
    } catch (error) {
      if (error instanceof BulkFormatError || signal.aborted || ++failures > 5) {
        throw error instanceof BulkFormatError || signal.aborted
          ? error
          : new Error(
              `downloading Shopify's bulk export failed at byte ${offset}: ${(error as Error).message}`,
              { cause: error },
            );
      }
      // Dropped mid-file: again from the order being assembled, after a pause.
      await abortableSleep(Math.min(30_000, 500 * 2 ** failures), signal);
    }
  }
}

/**
 * The lines of a JSONL download from byte `from`, each with its byte span. Asked with Range; a server that
 * answers the whole file anyway is skipped forward. A download silent for `timeoutSeconds` (not counting the
 * time the caller spends on a line) is abandoned.
 */
async function* lines(url: string, from: number, timeoutSeconds: number, signal: AbortSignal) {
  const idle = new AbortController();
  const stop = () => idle.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`no data for ${timeoutSeconds} s`)), timeoutSeconds * 1000);
  };
  try {
    arm();
    // The URL is signed: it takes no access token, and none is sent.
    const response = await fetch(url, {
      headers: from > 0 ? { range: `bytes=${from}-` } : {},
      signal: idle.signal,
    });
    if (response.status === 403 || response.status === 404 || response.status === 410) {
      throw new ExportGone(
        `the bulk export's file answered ${response.status} (its link lasts 7 days); run the backfill again to start a new export`,
      );
    }
    if (response.status === 416) return; // nothing at or after `from`: the file was read to its end
    if (!response.ok || !response.body) throw new Error(`bulk export download answered ${response.status}`);
    let skip = 0;
    if (response.status === 206) {
      const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
      if (Number(start) !== from) {
        throw new Error(`asked for bytes from ${from}, got ${response.headers.get('content-range')}`);
      }
    } else {
      skip = from;
    }
    let position = from;
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (skip > 0) {
        const dropped = Math.min(skip, bytes.length);
        bytes = bytes.subarray(dropped);
        skip -= dropped;
        if (!bytes.length) {
          arm();
          continue;
        }
      }
      const buffer = carry.length ? Buffer.concat([carry, bytes]) : bytes;
      let lineStart = 0;
      for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10, lineStart)) {
        const end = nl > lineStart && buffer[nl - 1] === 13 ? nl - 1 : nl;
        const span = nl + 1 - lineStart;
        if (end > lineStart) {
          clearTimeout(timer); // the caller's time with the line is not the download's silence
          yield { text: buffer.toString('utf8', lineStart, end), start: position, end: position + span };
        }
        position += span;
        lineStart = nl + 1;
      }
      carry = Buffer.from(buffer.subarray(lineStart));
      arm();
    }
    if (carry.length) {
      clearTimeout(timer);
      yield { text: carry.toString('utf8'), start: position, end: position + carry.length };
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}
