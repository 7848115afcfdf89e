import { describe, expect, it } from 'vitest';
import type { AnyConnector, PullPage } from '../connector/index.ts';
import { type Connection, connectionContext, normalize } from '../intake/index.ts';

export interface PullScenario {
  /** How many records the fake vendor holds. */
  records: number;
  /** The vendor answers the first call with its rate-limit refusal (429, THROTTLED). */
  throttleFirst?: boolean;
  /** The vendor refuses the credentials. */
  deny?: boolean;
}

export interface PullContractOptions {
  connector: AnyConnector;
  settings: unknown;
  secrets: Record<string, string>;
  /** Sets the connector's fake vendor API (msw) to the scenario. */
  prepare(scenario: PullScenario): void;
  /** The page size the settings ask for: the checks expect several pages. */
  pageSize: number;
}

/** Every page of one pull; a fresh connection id each time, so no request budget carries over between checks. */
async function pullAll(connector: AnyConnector, connection: Connection, cursor?: string) {
  const pages: PullPage[] = [];
  const context = connectionContext({ ...connection, id: `contract-${Math.random()}` });
  const signal = new AbortController().signal;
  for await (const page of connector.pull!(context, cursor ? { signal, cursor } : { signal }))
    pages.push(page);
  return pages;
}

/**
 * The pull checks every pulling connector passes, against its fake vendor API:
 * pagination to the end with a cursor on every page but the last, resuming from a page's cursor, one record per
 * vendor record with a stable dedupe key, records that normalize into valid orders,
 * a rate-limit refusal waited out, and refused credentials reported without them.
 */
export function pullContract(options: PullContractOptions): void {
  const { connector } = options;
  const settings = connector.settings.parse(options.settings);
  const secrets = connector.secrets.parse(options.secrets);
  const connection: Connection = { id: 'contract', tenantId: 'contract', connector, settings, secrets };

  describe(`pull contract: ${connector.id}`, () => {
    it('pages to the end, every record once, each normalizing into a valid order', async () => {
      const total = options.pageSize * 2 + 3;
      options.prepare({ records: total });
      const pages = await pullAll(connector, connection);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.slice(0, -1).every((p) => typeof p.cursor === 'string')).toBe(true);
      expect(pages.at(-1)!.cursor).toBeNull();
      const records = pages.flatMap((p) => p.records);
      const keys = new Set(records.map((r) => r.dedupeKey));
      // Overlapping pages may repeat a record; never lose one.
      expect(keys.size).toBe(total);
      for (const record of records) {
        const result = normalize(connection, {
          headers: { 'content-type': record.contentType, ...record.headers },
          body: record.body,
          contentType: record.contentType,
          receivedAt: new Date(),
        });
        expect(result.ok ? [] : [result.message]).toEqual([]);
      }
    });

    it('resumes from the cursor of a committed page, without starting over', async () => {
      const total = options.pageSize * 2 + 3;
      options.prepare({ records: total });
      const pages = await pullAll(connector, connection);
      const first = pages[0]!;
      expect(typeof first.cursor).toBe('string');
      const resumed = await pullAll(connector, connection, first.cursor!);
      expect(resumed.length, 'the resumed pull starts after the first page').toBeLessThan(pages.length);
      const keys = new Set([...first.records, ...resumed.flatMap((p) => p.records)].map((r) => r.dedupeKey));
      // Overlap at the seam is allowed; a record lost between the first page and the resumed ones is not.
      expect(keys.size).toBe(total);
    });

    it('waits out the vendor’s rate-limit refusal and completes', async () => {
      options.prepare({ records: options.pageSize + 1, throttleFirst: true });
      const pages = await pullAll(connector, connection);
      expect(new Set(pages.flatMap((p) => p.records.map((r) => r.dedupeKey))).size).toBe(
        options.pageSize + 1,
      );
    });

    it('reports refused credentials plainly, without the credentials', async () => {
      options.prepare({ records: 1, deny: true });
      let thrown: unknown;
      try {
        await pullAll(connector, connection);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      const message = (thrown as Error).message;
      expect(message).toMatch(/refused/);
      for (const value of Object.values(options.secrets)) expect(message).not.toContain(value);
    });
  });
}
