import { runSync } from '@switchyard/core';
import { connectionOf, type Flags, out, UsageError, withHub } from './shared.ts';

/** `switchyard sync <connection>` and `backfill <connection> --since <date>`: one pull, with its progress. */
export async function pull(values: Flags, command: 'sync' | 'backfill', [id]: string[]): Promise<number> {
  if (!id)
    throw new UsageError(
      `usage: switchyard ${command} <connection>${command === 'backfill' ? ' --since <date>' : ''}`,
    );
  let since: Date | undefined;
  if (command === 'backfill') {
    since = values.since ? new Date(values.since) : undefined;
    if (!since || Number.isNaN(since.getTime()))
      throw new UsageError('backfill needs --since <date>, e.g. --since 2026-01-01');
  }
  return withHub(values, async (hub) => {
    const connection = connectionOf(hub, id);
    const stop = new AbortController();
    const onSignal = () => {
      process.stderr.write('\nstopping after the current page; run the same command again to resume\n');
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    const began = Date.now();
    let lastPageAt = began;
    let firstRecords: { at: number; records: number } | undefined;
    const tty = process.stderr.isTTY;
    try {
      const report = await runSync(hub.sql, connection, {
        ...(since ? { since, backfill: true } : {}),
        ...(values.restart ? { restart: true } : {}),
        signal: stop.signal,
        onPage: ({ pages, records, missedByWebhooks, remaining, status }) => {
          // The rate counts from the first records, not from a wait for the vendor's export before them.
          if (records > 0 && !firstRecords) firstRecords = { at: lastPageAt, records: 0 };
          lastPageAt = Date.now();
          const since = firstRecords ?? { at: began, records: 0 };
          const rate = Math.round(
            (records - since.records) / Math.max((Date.now() - since.at) / 1000, 0.001),
          );
          const eta =
            remaining !== undefined && rate > 0
              ? `, ${remaining} left, about ${Math.ceil(remaining / rate)} s`
              : '';
          const line = status
            ? `${command} ${id}: ${status}`
            : `${command} ${id}: ${pages} pages, ${records} orders, ${missedByWebhooks} new to the hub, ${rate}/s${eta}`;
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      if (report.status === 'busy')
        throw new UsageError(`another process is syncing ${id} right now; try again when it is done`);
      out(
        values.json
          ? report
          : `${id}: ${report.status}, ${report.records} orders pulled, ${report.missedByWebhooks} the hub did not have, ${report.alreadyReceived} already received, ${report.exceptions} exceptions`,
      );
      return report.status === 'completed' ? 0 : 130;
    } finally {
      process.off('SIGINT', onSignal);
    }
  });
}
