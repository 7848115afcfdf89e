import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { easypost } from '@switchyard/connector-easypost';
import { fakeEasyPost } from '@switchyard/connector-easypost/testing';
import {
  deliverQueued,
  documentsFor,
  type EdiConnection,
  functionalAck,
  listDocuments,
  partnerDocuments,
  readInterchangesSync,
  sftpTransports,
  sweepOverdue,
  type Transports,
  writeInterchange,
  x12,
} from '@switchyard/connector-x12';
import {
  type AnyConnector,
  type Connection,
  connectorMigrations,
  type Engine,
  getException,
  getOrder,
  IntakeQueue,
  listExceptions,
  replay,
  serverLimits,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { ShippingRules } from '@switchyard/mappings';
import { createApp, silentLogger, startEdi } from '@switchyard/server';
import {
  type FulfillmentPlan,
  ORDER_EVENTS_TOPIC,
  orderWorkflow,
  orderWorkflowId,
  startDbosEngine,
} from '@switchyard/workflows';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noise } from '../../connectors/x12/test/support/noise.ts';
import { type SftpTestServer, startSftpServer } from '../../connectors/x12/test/support/sftp-server.ts';
import { storeConnections } from '../support/connections.ts';
import { eventually } from '../support/eventually.ts';

/**
 * A trading partner end to end: its 850 posted to /edi/<partner> (or dropped in its SFTP folder) becomes an
 * order; the hub sends the 997, and the order workflow the 855, the 856 and the 810 through the partner's
 * transport; the partner's own 997s close each document. Real DBOS engine, real EasyPost client against its
 * fake, the partner's HTTP endpoint faked with msw, a real SFTP server in-process.
 */
const easypostKey = 'EZTK_edi_0123456789';
const easypostFake = fakeEasyPost(easypostKey);
const partnerUrl = 'https://edi.retailer.example.com/inbound';
/** What the partner's endpoint received: one X12 interchange per POST. */
const received: { body: string; idempotencyKey: string | null; authorization: string | null }[] = [];
const server = setupServer(
  ...easypostFake.handlers,
  http.post(partnerUrl, async ({ request }) => {
    received.push({
      body: await request.text(),
      idempotencyKey: request.headers.get('idempotency-key'),
      authorization: request.headers.get('authorization'),
    });
    return new HttpResponse(null, { status: 202 });
  }),
);

const inboundToken = 'retailer-inbound-token-0123456789';
const profile = (transport: Record<string, unknown>, items: { sku: string; [code: string]: string }[]) => ({
  name: 'Retailer',
  partner: { qualifier: 'ZZ', id: 'RETAILER' },
  us: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
  version: '004010',
  documents: { '855': { hours: 24 }, '856': { hours: 48 }, '810': { hours: 72 } },
  transport,
  items,
  locations: [
    {
      code: '0042',
      name: 'Retailer Store 42',
      line1: '100 Main St',
      city: 'Columbus',
      region: 'OH',
      postalCode: '43004',
    },
  ],
  gs1CompanyPrefix: '0614141',
});
const ITEMS: { sku: string; [code: string]: string }[] = [
  { buyerPartNumber: 'BP-100', sku: 'MUG-1' },
  { upc: '012345678905', sku: 'CUP-2' },
];

let db: TestDatabase;
let engine: Engine;
let sftp: SftpTestServer;
let app: ReturnType<typeof createApp>;
let transports: Transports;
const connections = new Map<string, Connection>();
const partners = new Map<string, EdiConnection>();

const plan: FulfillmentPlan = {
  payment: 'channel',
  shippingConnection: 'shipping',
  shipFrom: {
    company: 'Acme Supply',
    street1: '388 Townsend St',
    city: 'San Francisco',
    state: 'CA',
    zip: '94107',
    country: 'US',
  },
  rules: ShippingRules.parse({ rules: [], default: { carriers: ['USPS', 'UPS'] } }),
  defaultParcel: { weightGrams: 900 },
};

function connection(id: string, connector: AnyConnector, settings: unknown, secrets: unknown): Connection {
  return {
    id,
    tenantId: 'acme',
    connector,
    settings: connector.settings.parse(settings),
    secrets: connector.secrets.parse(secrets),
  };
}

let nextControl = 100;
/** The partner's 850 as it would send it: its own envelope, one PO with two lines for store 0042. */
function purchaseOrderFile(
  po: string,
  lines = [
    ['BP', 'BP-100', 'UP', '012345678905'],
    ['UP', '012345678905'],
  ],
) {
  const control = String(nextControl++);
  const body = [
    { id: 'BEG', elements: ['00', 'SA', po, '', '20261130'] },
    { id: 'REF', elements: ['DP', '038'] },
    { id: 'ITD', elements: ['14', '3', '2', '', '15', '', '30'] },
    { id: 'DTM', elements: ['002', '20261210'] },
    { id: 'TD5', elements: ['', '2', 'UPSN', '', 'UPS GROUND'] },
    { id: 'N1', elements: ['ST', 'RETAILER STORE 42', '92', '0042'] },
    ...lines.flatMap((ids, i) => [
      { id: 'PO1', elements: [String(i + 1), String(i + 2), 'EA', i === 0 ? '12.50' : '3.99', 'PE', ...ids] },
      { id: 'PID', elements: ['F', '', '', '', i === 0 ? 'BLUE MUG' : 'PAPER CUP'] },
    ]),
    { id: 'CTT', elements: [String(lines.length)] },
  ];
  return writeInterchange({
    sender: { qualifier: 'ZZ', id: 'RETAILER' },
    receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
    control,
    at: new Date('2026-11-30T15:04:00Z'),
    usage: 'P',
    delimiters: { element: '*', component: '>', segment: '~', suffix: '\r\n' },
    groups: [
      {
        functionalId: 'PO',
        sender: 'RETAILER',
        receiver: 'ACMESUPPLY',
        control,
        version: '004010',
        sets: [
          [
            { id: 'ST', elements: ['850', '0001'] },
            ...body,
            { id: 'SE', elements: [String(body.length + 2), '0001'] },
          ],
        ],
      },
    ],
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the receipt's JSON, read field by field in the tests
type Json = any;
const post = (partner: string, body: string | Uint8Array, token = inboundToken) =>
  app.request(`/edi/${partner}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/edi-x12' },
    body,
  });

/** The partner's side: its 997 for one of our documents, accepting it (or rejecting it with an AK3/AK4). */
function partnerAck(document: string, reject?: { segment: string; position: number; element: number }) {
  const read = readInterchangesSync(document, { deep: () => true });
  const ic = read.interchanges[0]!;
  const group = ic.groups[0]!;
  if (reject) {
    group.sets[0]!.status = 'R';
    group.sets[0]!.codes = ['5'];
    group.sets[0]!.errors = [
      { level: 'segment', code: '8', segment: reject.segment, position: reject.position, message: '' },
      {
        level: 'element',
        code: '7',
        segment: reject.segment,
        position: reject.position,
        element: reject.element,
        ref: 0,
        message: '',
      },
    ];
    group.status = 'R';
  }
  return writeInterchange({
    sender: { qualifier: 'ZZ', id: 'RETAILER' },
    receiver: { qualifier: 'ZZ', id: 'ACMESUPPLY' },
    control: String(nextControl++),
    at: new Date(),
    usage: 'P',
    delimiters: { element: '*', component: '>', segment: '~', suffix: '\n' },
    groups: [
      {
        functionalId: 'FA',
        sender: 'RETAILER',
        receiver: 'ACMESUPPLY',
        control: String(nextControl++),
        version: '004010',
        sets: [functionalAck(group, '997', '0001', '>')],
      },
    ],
  });
}

/** An order of the retailer's already in the store (the first test made it). */
async function aPartnerOrder() {
  const docs = await listDocuments(db.sql, { connectionId: 'retailer' });
  return (await getOrder(db.sql, 'acme', docs.find((d) => d.orderId)!.orderId!))!.order;
}

const deliverAll = () => deliverQueued(db.sql, partners, transports);
/** Documents the partner received, by transaction set. */
const receivedOf = (type: string) => received.filter((r) => r.body.includes(`ST*${type}*`));

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  db = await createTestDatabase({ migrations: connectorMigrations([x12]) });
  sftp = await startSftpServer({ dirs: ['in', 'out'] });
  connections.set(
    'retailer',
    connection(
      'retailer',
      x12 as unknown as AnyConnector,
      profile({ kind: 'http', url: partnerUrl, tokenSecret: 'outboundToken' }, ITEMS),
      {
        inboundToken,
        outboundToken: 'token-for-retailer',
      },
    ),
  );
  connections.set(
    'dropship',
    connection(
      'dropship',
      x12 as unknown as AnyConnector,
      {
        ...profile(
          {
            kind: 'sftp',
            host: '127.0.0.1',
            port: sftp.port,
            username: sftp.username,
            passwordSecret: 'sftpPassword',
            hostKeySha256: sftp.hostKeySha256,
            inboxDir: '/in',
            outboxDir: '/out',
            pollSeconds: 5,
          },
          ITEMS,
        ),
        partner: { qualifier: 'ZZ', id: 'RETAILER' },
      },
      { inboundToken: 'dropship-inbound-token-0123456789', sftpPassword: sftp.password },
    ),
  );
  connections.set(
    'shipping',
    connection(
      'shipping',
      easypost as unknown as AnyConnector,
      {},
      { apiKey: easypostKey, webhookSecret: 'ep-edi' },
    ),
  );
  for (const [id, c] of connections) if (c.connector.id === 'x12') partners.set(id, c as EdiConnection);
  await storeConnections(db.sql, connections.values());
  const config = {
    tenants: [{ id: 'acme', name: 'Acme' }],
    connections: [],
    server: serverLimits({ bodyLimit: 1 << 20 }),
  };
  app = createApp({ sql: db.sql, intake: new IntakeQueue(db.sql), connections, config }, silentLogger);
  transports = sftpTransports();
  engine = await startDbosEngine({
    databaseUrl: db.url,
    executorId: 'edi-test',
    applicationVersion: 'test',
    workflows: [
      orderWorkflow({
        sql: db.sql,
        connections,
        plan: () => plan,
        documents: documentsFor(db.sql),
      }),
    ],
    log: () => {},
  });
});
afterAll(async () => {
  await engine?.stop();
  await transports?.close();
  server.close();
  await sftp?.close();
  await db?.drop();
});

describe('an X12 trading partner over HTTP', () => {
  it('takes an 850 as an order, acknowledges it (997), sends the 855, 856 and 810, and is closed by the partner’s 997s', async () => {
    const answer = await post('retailer', purchaseOrderFile('PO-5001'));
    expect(answer.status).toBe(200);
    const receipt = (await answer.json()) as Json;
    expect(receipt.interchanges).toEqual([
      expect.objectContaining({
        duplicate: false,
        ta1: null,
        groups: [expect.objectContaining({ status: 'A' })],
      }),
    ]);
    expect(receipt.orders).toHaveLength(1);
    expect(receipt.exceptions).toEqual([]);
    const orderId = receipt.orders[0].id as string;
    const { order } = (await getOrder(db.sql, 'acme', orderId))!;
    expect(order).toMatchObject({
      kind: 'b2b',
      externalId: 'retailer:PO-5001',
      shippingAddress: {
        company: 'Retailer Store 42',
        line1: '100 Main St',
        postalCode: '43004',
        locationCode: '0042',
      },
      b2b: {
        poNumber: 'PO-5001',
        poDate: '2026-11-30',
        requestedDeliveryDate: '2026-12-10',
        departmentNumber: '038',
        paymentTerms: { netDays: 30, discountPercent: '2', discountDays: 15 },
      },
      totals: { total: { amount: 2 * 1250 + 3 * 399, currency: 'USD' } },
    });
    expect(order.lines.map((l) => [l.sku, l.quantity.ordered, l.unitPrice.amount])).toEqual([
      ['MUG-1', 2, 1250],
      ['CUP-2', 3, 399],
    ]);

    // The 997 goes out first: our own envelope, sender and receiver swapped, AK5 A.
    await deliverAll();
    expect(receivedOf('997')).toHaveLength(1);
    const ack = receivedOf('997')[0]!;
    expect(ack.authorization).toBe('Bearer token-for-retailer');
    expect(ack.body).toMatch(/^ISA\*00\* {10}\*00\* {10}\*ZZ\*ACMESUPPLY {5}\*ZZ\*RETAILER {7}\*/);
    expect(ack.body).toContain('AK1*PO*100~');
    expect(ack.body).toContain('AK5*A~');

    const workflowId = orderWorkflowId(orderId);
    await engine.start('order', { tenantId: 'acme', orderId }, { workflowId });
    await eventually('the 855, 856 and 810 at the partner', async () => {
      await deliverAll();
      return receivedOf('810').length === 1;
    });
    for (const type of ['855', '856', '810']) {
      const docs = receivedOf(type);
      expect(docs, type).toHaveLength(1);
      // Our own validator, the full definition, passes what we sent.
      const read = readInterchangesSync(docs[0]!.body, { deep: () => true });
      expect(read.interchanges[0]!.groups[0]!.sets[0], type).toMatchObject({ status: 'A', deep: true });
    }
    expect(receivedOf('855')[0]!.body).toContain('BAK*00*AD*PO-5001*');
    const asn = receivedOf('856')[0]!.body;
    expect(asn).toMatch(
      /HL\*1\*\*S~[\s\S]*HL\*2\*1\*O~[\s\S]*PRF\*PO-5001[\s\S]*HL\*3\*2\*P~[\s\S]*MAN\*GM\*00\d{18}~[\s\S]*HL\*4\*3\*I~/,
    );
    expect(receivedOf('810')[0]!.body).toMatch(/BIG\*\d{8}\*[^*]+\*20261130\*PO-5001~[\s\S]*TDS\*3697~/);
    // Control numbers: each document its own, never one twice.
    const docs = await listDocuments(db.sql, { connectionId: 'retailer' });
    expect(new Set(docs.map((d) => d.isaControl)).size).toBe(docs.length);
    expect(docs.filter((d) => d.kind !== '997').map((d) => d.ackStatus)).toEqual([
      'awaiting',
      'awaiting',
      'awaiting',
    ]);

    // The partner accepts the 855 and the 810 and rejects the 856, pointing at its MAN segment.
    const acks = [
      partnerAck(receivedOf('855')[0]!.body),
      partnerAck(asn, { segment: 'MAN', position: 20, element: 2 }),
      partnerAck(receivedOf('810')[0]!.body),
    ];
    for (const file of acks) expect((await post('retailer', file)).status).toBe(200);
    const after = await listDocuments(db.sql, { connectionId: 'retailer', orderId });
    expect(Object.fromEntries(after.map((d) => [d.kind, d.ackStatus]))).toEqual({
      '855': 'accepted',
      '856': 'rejected',
      '810': 'accepted',
    });
    const rejected = after.find((d) => d.kind === '856')!;
    expect(JSON.stringify(rejected.ackErrors)).toContain('MAN02');
    // Their 997s are never acknowledged in turn.
    await deliverAll();
    expect(receivedOf('997')).toHaveLength(1);

    const label = [...easypostFake.shipments.values()].find(
      (s) => s.reference === `${workflowId}/create-shipment`,
    )!;
    await engine.signal(
      workflowId,
      ORDER_EVENTS_TOPIC,
      { kind: 'tracking', status: 'delivered', trackingCode: label.tracking_code },
      { dedupeKey: 'evt-edi-1' },
    );
    expect(await engine.settled(workflowId)).toMatchObject({ state: 'succeeded' });
    const timeline = (await getOrder(db.sql, 'acme', orderId))!.timeline.map((e) => e.type);
    expect(timeline).toEqual(
      expect.arrayContaining([
        'edi.855.queued',
        'label.purchased',
        'edi.856.queued',
        'edi.810.queued',
        'edi.855.accepted',
        'edi.856.rejected',
        'edi.810.accepted',
        'order.closed',
      ]),
    );
  });

  it('rejects an interchange sent again as a duplicate (TA1 025) and imports nothing twice', async () => {
    const file = purchaseOrderFile('PO-5002');
    const first = (await (await post('retailer', file)).json()) as Json;
    expect(first.orders).toHaveLength(1);
    // The same bytes again: the inbox already has them.
    expect(((await (await post('retailer', file)).json()) as Json).status).toBe('duplicate');
    // The same interchange in another file (a partner's resend adds a line break): TA1 R 025, nothing imported.
    const again = (await (await post('retailer', `${file}\n`)).json()) as Json;
    expect(again.interchanges[0]).toMatchObject({
      duplicate: true,
      ta1: { status: 'R', note: '025' },
      groups: [],
    });
    expect(again.orders).toEqual([]);
    await deliverAll();
    expect(received.some((r) => r.body.includes('TA1*') && r.body.includes('*R*025~'))).toBe(true);
  });

  it('rejects a malformed 850 in its 997 with AK3/AK4 at the exact segment and element, as an exception', async () => {
    const good = purchaseOrderFile('PO-5003');
    // PO106 (a product id qualifier) without its PO107: syntax note P0607 of PO1, the 7th segment of the set.
    const bad = good.replace(
      'PO1*1*2*EA*12.50*PE*BP*BP-100*UP*012345678905',
      'PO1*1*2*EA*12.50*PE*BP**UP*012345678905',
    );
    const receipt = (await (await post('retailer', bad)).json()) as Json;
    expect(receipt.orders).toEqual([]);
    expect(receipt.exceptions).toHaveLength(1);
    await deliverAll();
    const ack = received[received.length - 1]!.body;
    expect(ack).toContain('AK2*850*0001~');
    expect(ack).toContain('AK3*PO1*8*PO1*8~');
    expect(ack).toContain('AK4*7*234*2~');
    expect(ack).toContain('AK5*R*5~');
    expect(ack).toContain('AK9*R*1*1*0~');
  });

  it('makes an unmapped item an exception, and a replay after the mapping is added makes the order', async () => {
    const file = purchaseOrderFile('PO-5004', [['BP', 'BP-999']]);
    const receipt = (await (await post('retailer', file)).json()) as Json;
    expect(receipt.orders).toEqual([]);
    expect(receipt.exceptions).toHaveLength(1);
    const [exception] = (await listExceptions(db.sql, 'acme', { status: 'open' })).items.filter(
      (e) => e.id === receipt.exceptions[0],
    );
    expect(exception!.message).toMatch(/PO PO-5004 .*no SKU for BP BP-999/);
    // The 850 itself was fine: the partner got an AK5 A.
    await deliverAll();
    expect(received[received.length - 1]!.body).toContain('AK5*A~');
    const fixed = new Map(connections);
    fixed.set(
      'retailer',
      connection(
        'retailer',
        x12 as unknown as AnyConnector,
        profile({ kind: 'http', url: partnerUrl }, [...ITEMS, { buyerPartNumber: 'BP-999', sku: 'PLATE-9' }]),
        { inboundToken },
      ),
    );
    const replayed = await replay(db.sql, 'acme', exception!.id, fixed);
    expect(replayed).toMatchObject({
      status: 'resolved',
      orders: [expect.objectContaining({ result: 'created' })],
    });
  });

  it('refuses a wrong token (401), an unknown partner (404) and an empty body (400) as problem+json', async () => {
    const wrong = await post('retailer', purchaseOrderFile('PO-X'), 'not-the-token-0123456789');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('application/problem+json');
    expect((await post('nobody', 'ISA')).status).toBe(404);
    expect((await post('retailer', '')).status).toBe(400);
  });

  it('turns a document the partner never acknowledges into an exception once its time is up', async () => {
    const order = await aPartnerOrder();
    const docs = partnerDocuments(db.sql, partners.get('retailer')!);
    const sent = await docs.send({ kind: 'acknowledgment', order, idempotencyKey: 'manual/855-late' });
    // Asked twice: the same document, the same control number.
    expect(await docs.send({ kind: 'acknowledgment', order, idempotencyKey: 'manual/855-late' })).toEqual(
      sent,
    );
    await deliverAll();
    await db.sql`update edi_documents set ack_due_at = now() - interval '1 minute' where id = ${sent.documentId}`;
    expect(await sweepOverdue(db.sql)).toBe(1);
    expect(await sweepOverdue(db.sql)).toBe(0);
    const { items: open } = await listExceptions(db.sql, 'acme', { status: 'open' });
    expect(open.some((e) => e.kind === 'edi-unacknowledged' && e.message.includes(sent.control))).toBe(true);
  });
});

describe('what a partner sends besides purchase orders', () => {
  const envelope = (control: string, inner: string, e = '*', t = '~') =>
    `${['ISA', '00', ' '.repeat(10), '00', ' '.repeat(10), 'ZZ', 'RETAILER'.padEnd(15), 'ZZ', 'ACMESUPPLY'.padEnd(15), '261201', '1200', 'U', '00401', control.padStart(9, '0'), '0', 'P', '>'].join(e)}${t}\n${inner}IEA${e}1${e}${control.padStart(9, '0')}${t}\n`;

  it('keeps a file’s good interchange when another cannot be processed, and echoes no delimiter in its 997', async () => {
    // A pipe-delimited interchange whose ST02 holds a "*" (our delimiter), then a good 850.
    const odd = envelope(
      '9101',
      'GS|PO|RETAILER|ACMESUPPLY|20261201|1200|9101|X|004010~\nST|850|00*1~\nBEG|00|SA|PO-ODD||20261201~\nN1|ST|STORE|92|0042~\nPO1|1|1|EA|1.00||BP|BP-100~\nSE|5|00*1~\nGE|1|9101~\n',
      '|',
    );
    const receipt = (await (await post('retailer', odd + purchaseOrderFile('PO-5005'))).json()) as Json;
    // The odd set is rejected (its ST02 is no control number), the good one imported; both groups acknowledged.
    expect(receipt.orders).toHaveLength(1);
    expect(receipt.acknowledgments).toHaveLength(2);
    await deliverAll();
    const ack = received.find((r) => r.body.includes('AK2*850*001~'));
    expect(ack?.body).toContain('AK5*R*7~');
  });

  it('keeps one exception per rejected interchange of a file, each with its own text', async () => {
    const broken = (control: string) =>
      envelope(control, `GS*PO*RETAILER*ACMESUPPLY*20261201*1200*${control}*X*004010~\n`).replace(
        /IEA\*1/,
        'IEA*2',
      );
    const receipt = (await (await post('retailer', broken('9201') + broken('9202'))).json()) as Json;
    expect(receipt.interchanges.map((i: Json) => i.ta1?.note)).toEqual(['021', '021']);
    expect(new Set(receipt.exceptions).size).toBe(2);
    const rows = await db.sql<{ body: Buffer }[]>`
      select i.body from exceptions e join inbox i on i.id = e.inbox_id where e.id in ${db.sql(receipt.exceptions as string[])}`;
    expect(rows.map((r) => r.body.toString().match(/ISA.{87}(\d{9})/)?.[1]).sort()).toEqual([
      '000009201',
      '000009202',
    ]);
  });

  it('acknowledges an 860 in its syntax and makes it an exception for a person, never dropping it', async () => {
    const change = envelope(
      '9102',
      'GS*PC*RETAILER*ACMESUPPLY*20261201*1200*9102*X*004010~\nST*860*0001~\nBCH*01*SA*PO-5001**20261201~\nSE*3*0001~\nGE*1*9102~\n',
    );
    const receipt = (await (await post('retailer', change)).json()) as Json;
    expect(receipt.exceptions).toHaveLength(1);
    const { items: open } = await listExceptions(db.sql, 'acme', { status: 'open' });
    expect(open.find((e) => e.id === receipt.exceptions[0])).toMatchObject({ kind: 'edi-unhandled' });
    expect(open.find((e) => e.id === receipt.exceptions[0])!.message).toMatch(
      /sent a 860 .*handle it by hand/,
    );
  });

  it('takes the partner’s TA1: a rejection rejects the document it names, and a TA1 is never answered', async () => {
    const order = await aPartnerOrder();
    const sent = await partnerDocuments(db.sql, partners.get('retailer')!).send({
      kind: 'acknowledgment',
      order,
      idempotencyKey: 'manual/855-ta1',
    });
    const before = (await listDocuments(db.sql, { connectionId: 'retailer' })).length;
    const ta1 = `${['ISA', '00', ' '.repeat(10), '00', ' '.repeat(10), 'ZZ', 'RETAILER'.padEnd(15), 'ZZ', 'ACMESUPPLY'.padEnd(15), '261201', '1200', 'U', '00401', '000009103', '1', 'P', '>'].join('*')}~TA1*${sent.control}*261201*1200*R*024~IEA*0*000009103~`;
    const receipt = (await (await post('retailer', ta1)).json()) as Json;
    expect(receipt.acknowledged).toEqual([{ documentId: sent.documentId, kind: '855', status: 'rejected' }]);
    expect(receipt.interchanges[0].ta1).toBeNull();
    expect((await listDocuments(db.sql, { connectionId: 'retailer' })).length).toBe(before);
  });

  it('reads a group rejected in the partner’s AK9 as rejected, whatever its AK5 says', async () => {
    const order = await aPartnerOrder();
    const sent = await partnerDocuments(db.sql, partners.get('retailer')!).send({
      kind: 'acknowledgment',
      order,
      idempotencyKey: 'manual/855-ak9',
    });
    const [doc] = (await listDocuments(db.sql, { connectionId: 'retailer' })).filter(
      (d) => d.id === sent.documentId,
    );
    const ack = envelope(
      '9104',
      `GS*FA*RETAILER*ACMESUPPLY*20261201*1200*9104*X*004010~\nST*997*0001~\nAK1*PR*${doc!.gsControl}~\nAK2*855*${doc!.stControl}~\nAK5*A~\nAK9*R*1*1*0*5~\nSE*6*0001~\nGE*1*9104~\n`,
    );
    expect(((await (await post('retailer', ack)).json()) as Json).acknowledged).toEqual([
      { documentId: sent.documentId, kind: '855', status: 'rejected' },
    ]);
  });

  it('sends only the documents the partner expects, and calls an 855 not sent in time late', async () => {
    const docs = partnerDocuments(db.sql, partners.get('dropship')!);
    expect((['acknowledgment', 'ship-notice', 'invoice'] as const).map((k) => docs.expects(k))).toEqual([
      true,
      true,
      true,
    ]);
    const none = partnerDocuments(db.sql, {
      ...partners.get('dropship')!,
      settings: { ...partners.get('dropship')!.settings, documents: {} },
    });
    expect(none.expects('acknowledgment')).toBe(false);
    // An order from the partner past its 855's due time without one: one exception, once.
    const receipt = (await (await post('retailer', purchaseOrderFile('PO-5006'))).json()) as Json;
    await db.sql`update edi_due set due_at = now() - interval '1 hour' where order_id = ${receipt.orders[0].id}`;
    expect(await sweepOverdue(db.sql)).toBeGreaterThanOrEqual(1);
    await sweepOverdue(db.sql);
    const late = (await listExceptions(db.sql, 'acme', { status: 'open' })).items.filter(
      (e) => e.kind === 'edi-late' && e.message.includes('PO-5006'),
    );
    expect(late).toHaveLength(1);
  });
});

describe('an X12 trading partner over SFTP', () => {
  it('picks up an 850 dropped in its folder, makes the order, and uploads the 997', async () => {
    const inbox = join(sftp.root, 'in');
    const file = join(inbox, 'PO-7001.edi');
    writeFileSync(file, purchaseOrderFile('PO-7001'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const loops = startEdi(
      { sql: db.sql, connections: new Map([['dropship', partners.get('dropship')!]]) },
      silentLogger,
      {
        outboxEveryMs: 100,
      },
    );
    try {
      await eventually(
        'the order from the SFTP file',
        async () => (await db.sql`select 1 from orders where external_id = 'dropship:PO-7001'`).length === 1,
      );
      await eventually('the 997 in the partner’s folder', async () => {
        const [doc] = await listDocuments(db.sql, { connectionId: 'dropship' });
        return doc?.status === 'sent';
      });
      const [doc] = await listDocuments(db.sql, { connectionId: 'dropship' });
      const { readFileSync, readdirSync } = await import('node:fs');
      const uploaded = readdirSync(join(sftp.root, 'out'));
      expect(uploaded).toEqual([`997_${doc!.isaControl}.x12`]);
      expect(readFileSync(join(sftp.root, 'out', uploaded[0]!), 'utf8')).toContain('AK5*A~');
      // The file left the inbox for the archive once stored.
      expect(readdirSync(inbox)).toEqual([]);
    } finally {
      await loops.stop();
    }
  });
});

describe('what the hub refuses at the edge (issue 10)', () => {
  const ordersOf = async (externalId: string) =>
    (await db.sql`select 1 from orders where external_id = ${externalId}`).length;
  const exceptionOf = (id: string) => getException(db.sql, 'acme', id);

  it('answers a body with no interchange 400 not-x12, says what it holds, and keeps it with an exception', async () => {
    const body = noise(256, 0x2545f491);
    const documents = (await listDocuments(db.sql, { connectionId: 'retailer' })).length;
    const answer = await post('retailer', body);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await answer.json()) as Json;
    expect(problem).toMatchObject({
      type: 'urn:switchyard:problem:not-x12',
      title: 'Not an X12 file',
      status: 400,
      detail: expect.stringMatching(
        /256 bytes of binary data with no ISA segment, beginning ([0-9a-f]{2} ){16}…/,
      ),
      fix: expect.stringMatching(/begins with its ISA segment/),
      exception: expect.any(String),
      inboxId: expect.any(String),
    });
    expect(problem.detail).toContain(problem.exception);
    // Nothing accepted is lost: the raw bytes in the inbox, an open exception on them.
    const [row] = await db.sql<{ body: Buffer }[]>`select body from inbox where id = ${problem.inboxId}`;
    expect(new Uint8Array(row!.body)).toEqual(body);
    expect(await exceptionOf(problem.exception)).toMatchObject({
      kind: 'edi',
      inboxId: problem.inboxId,
      message: expect.stringMatching(/is not X12: 256 bytes of binary data/),
    });
    // Sent again: still not X12, pointing at the same stored file and exception.
    const again = await post('retailer', body);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ exception: problem.exception, inboxId: problem.inboxId });
    // Nothing is acknowledged for it.
    expect((await listDocuments(db.sql, { connectionId: 'retailer' })).length).toBe(documents);
  });

  it('quotes the start of a text body that is not X12', async () => {
    const answer = await post('retailer', 'Dear partner, here is our order:\nPO 5100, 2 mugs\n');
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as Json).detail).toMatch(
      /49 bytes of text with no ISA segment, beginning "Dear partner, here is our order:\\nPO 5100…"/,
    );
  });

  it.each([
    [
      'another application sender (GS02)',
      '1',
      'PO-5101',
      ['GS*PO*RETAILER*', 'GS*PO*OTHERCO*'],
      /GS02 "OTHERCO" is not this partner's application sender code \(RETAILER\)/,
    ],
    [
      'another application receiver (GS03)',
      '1',
      'PO-5102',
      ['*ACMESUPPLY*20261130*', '*SOMEONE*20261130*'],
      /GS03 "SOMEONE" is not our application receiver code \(ACMESUPPLY\)/,
    ],
    [
      'version 99999 (GS08)',
      '2',
      'PO-5103',
      ['*X*004010~', '*X*99999~'],
      /GS08 "99999" is not the version agreed with this partner \(004010\)/,
    ],
  ])(
    'rejects a group from %s in its 997 (AK9 R, AK905 %s), as an exception, importing nothing',
    async (_, code, po, [from, to], why) => {
      const file = purchaseOrderFile(po).replace(from!, to!);
      expect(file).toContain(to);
      const receipt = (await (await post('retailer', file)).json()) as Json;
      expect(receipt.status).toBe('accepted');
      expect(receipt.orders).toEqual([]);
      expect(receipt.interchanges[0].groups).toEqual([
        expect.objectContaining({ status: 'R', codes: [code], problems: [expect.stringMatching(why)] }),
      ]);
      expect(receipt.exceptions).toHaveLength(1);
      expect(await exceptionOf(receipt.exceptions[0])).toMatchObject({
        kind: 'edi-rejected',
        message: expect.stringMatching(why),
      });
      expect(await ordersOf(`retailer:${po}`)).toBe(0);
      await deliverAll();
      const ack = received[received.length - 1]!.body;
      expect(ack).toContain(`AK9*R*1*1*0*${code}~`);
      // Answered in the version agreed with the partner, whatever the group said.
      expect(ack).toMatch(/\*X\*004010~/);
    },
  );

  it('does not read a 997 in a group from another application sender, and keeps it as an exception', async () => {
    const isa = [
      'ISA',
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      'ZZ',
      'RETAILER'.padEnd(15),
      'ZZ',
      'ACMESUPPLY'.padEnd(15),
      '261201',
      '1200',
      'U',
      '00401',
      '000009301',
      '0',
      'P',
      '>',
    ].join('*');
    const ack = `${isa}~GS*FA*OTHERCO*ACMESUPPLY*20261201*1200*9301*X*004010~ST*997*0001~AK1*PR*1~AK9*A*1*1*1~SE*4*0001~GE*1*9301~IEA*1*000009301~`;
    const documents = (await listDocuments(db.sql, { connectionId: 'retailer' })).length;
    const receipt = (await (await post('retailer', ack)).json()) as Json;
    expect(receipt.acknowledged).toEqual([]);
    expect(receipt.interchanges[0].groups).toEqual([expect.objectContaining({ status: 'R', codes: ['1'] })]);
    expect(await exceptionOf(receipt.exceptions[0])).toMatchObject({
      kind: 'edi-rejected',
      message: expect.stringMatching(
        /^997 0001 in group 9301 from ZZ\/RETAILER was not read: GS02 "OTHERCO"/,
      ),
    });
    // A 997 is never acknowledged, rejected or not.
    expect((await listDocuments(db.sql, { connectionId: 'retailer' })).length).toBe(documents);
  });

  it('rejects an interchange whose ISA12 is no version (99999) with TA1 R 017, importing nothing', async () => {
    const file = purchaseOrderFile('PO-5104').replace('*U*00401*', '*U*99999*');
    expect(file).toContain('*99999*');
    const receipt = (await (await post('retailer', file)).json()) as Json;
    expect(receipt.interchanges[0]).toMatchObject({ ta1: { status: 'R', note: '017' }, groups: [] });
    expect(receipt.orders).toEqual([]);
    expect(await exceptionOf(receipt.exceptions[0])).toMatchObject({ kind: 'edi-rejected' });
    expect(await ordersOf('retailer:PO-5104')).toBe(0);
    await deliverAll();
    expect(received[received.length - 1]!.body).toMatch(
      /^ISA(\*[^*]*){11}\*00401\*[\s\S]*TA1\*\d{9}\*\d{6}\*\d{4}\*R\*017~/,
    );
  });

  it.each([
    [
      'a quantity of 0',
      'PO-5201',
      'PO1*1*0*EA*12.50',
      'AK4*2*330*7*0~',
      /quantity "0" must be a whole number of at least 1/,
    ],
    [
      'a negative quantity',
      'PO-5202',
      'PO1*1*-2*EA*12.50',
      'AK4*2*330*6*-2~',
      /quantity "-2" must be a whole number of at least 1/,
    ],
    [
      'a fractional quantity',
      'PO-5203',
      'PO1*1*1.5*EA*12.50',
      'AK4*2*330*6*1.5~',
      /quantity "1.5" must be a whole number of at least 1/,
    ],
    [
      'a negative unit price',
      'PO-5204',
      'PO1*1*2*EA*-12.50',
      'AK4*4*212*6*-12.50~',
      /unit price "-12.50" must be zero or more, not negative/,
    ],
  ])(
    'rejects an 850 line with %s in its 997 at the element, imports nothing, and says which line and why',
    async (_, po, po1, ak4, why) => {
      const file = purchaseOrderFile(po).replace('PO1*1*2*EA*12.50', po1);
      expect(file).toContain(po1);
      const receipt = (await (await post('retailer', file)).json()) as Json;
      expect(receipt.orders).toEqual([]);
      const [set] = receipt.interchanges[0].groups[0].sets;
      expect(set).toMatchObject({ type: '850', status: 'R' });
      expect(set.errors).toEqual([expect.stringMatching(/^PO10[24]: line 1 \(PO101 "1"\): /)]);
      expect(set.errors[0]).toMatch(why);
      expect(receipt.exceptions).toHaveLength(1);
      const exception = await exceptionOf(receipt.exceptions[0]);
      expect(exception).toMatchObject({ kind: 'edi-rejected' });
      expect(exception!.message).toMatch(/line 1 \(PO101 "1"\)/);
      expect(exception!.message).toMatch(why);
      expect(await ordersOf(`retailer:${po}`)).toBe(0);
      await deliverAll();
      const ack = received[received.length - 1]!.body;
      expect(ack).toContain('AK3*PO1*8*PO1*8~');
      expect(ack).toContain(ak4);
      expect(ack).toContain('AK5*R*5~');
      expect(ack).toContain('AK9*R*1*1*0~');
    },
  );
});
