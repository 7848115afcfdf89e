import { inspect, listDocuments, requeue, x12 } from '@switchyard/connector-x12';
import { zodMessage } from '@switchyard/core';
import {
  configuredConnection,
  type Flags,
  limitOf,
  out,
  readInput,
  table,
  UsageError,
  withHub,
} from './shared.ts';

/** A partner connection's settings from the config, checked by the x12 connector's schema. */
async function partnerProfile(values: Flags) {
  if (!values.partner) return undefined;
  const configured = await configuredConnection(values, values.partner, x12.id);
  const parsed = x12.settings.safeParse(configured.settings);
  if (!parsed.success)
    throw new UsageError(`partner "${values.partner}": ${zodMessage(parsed.error, 'settings.')}`);
  return { ...parsed.data, id: configured.id };
}

export async function edi(values: Flags, [sub, file]: string[]): Promise<number> {
  if (sub === 'inspect') {
    if (!file) throw new UsageError('usage: switchyard edi inspect <file> [--partner <id>]');
    const body = readInput(file);
    const partner = await partnerProfile(values);
    const report = await inspect(new Uint8Array(body), partner ? { partner } : {});
    if (!report.interchanges.length) {
      throw new UsageError(`${file} is not an X12 file: ${report.problems[0] ?? 'no ISA segment found'}`);
    }
    out(report);
    return 0;
  }
  if (sub === 'documents') {
    await withHub(values, async (hub) => {
      const docs = await listDocuments(hub.sql, {
        tenantId: hub.tenant(values.tenant),
        ...(values.partner ? { connectionId: values.partner } : {}),
        limit: limitOf(values),
      });
      const rows = docs.map((d) => ({
        id: d.id,
        partner: d.connectionId,
        kind: d.kind,
        order: d.orderId ?? '',
        isa: d.isaControl,
        status: d.status,
        ack: d.ackStatus ?? '',
        sent: d.sentAt?.toISOString() ?? '',
        error: d.lastError ?? '',
      }));
      out(values.json ? docs.map(({ body, ...d }) => d) : table(rows, Object.keys(rows[0] ?? { id: '' })));
    });
    return 0;
  }
  if (sub === 'resend') {
    if (!file || !/^\d+$/.test(file)) throw new UsageError('usage: switchyard edi resend <document id>');
    await withHub(values, async (hub) => {
      if (!(await requeue(hub.sql, file))) {
        throw new UsageError(
          `document ${file} is not one whose delivery gave up (see: switchyard edi documents)`,
        );
      }
      out(`document ${file}: queued again; the running hub delivers it`);
    });
    return 0;
  }
  throw new UsageError(
    'usage: switchyard edi inspect <file> [--partner <id>] | edi documents [--partner <id>] | edi resend <document id>',
  );
}
