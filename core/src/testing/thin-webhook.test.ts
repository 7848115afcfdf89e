import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { actionsContract } from './actions-contract.ts';
import { type ContractOptions, connectorContract } from './contract.ts';
import { type NotifyShopAuth, notifyShop } from './notify-shop.ts';
import { fakeNotifyShop, notifyShopNotification, notifyShopOrder } from './notify-shop-fake.ts';
import { pullContract } from './pull-contract.ts';

/**
 * The contract kit run over a thin-webhook connector (Notify Shop, made up for the kit's own tests) in each auth
 * mode a notification can prove its sender with: the kit's hydration, auth, pull and action checks hold for it.
 */
const apiUrl = 'https://api.notify-shop.example';
const apiToken = 'nst_contract_0123456789';
const fake = fakeNotifyShop(apiUrl, apiToken);
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
// Each check sets the scenario it needs; none inherits a refusal from the one before.
beforeEach(() => {
  fake.state.deny = false;
  fake.state.throttleNext = 0;
});

const at = (i: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, i)).toISOString();
const settings = { apiUrl };
const secrets = { apiToken, notificationToken: 'ntok_contract_0123456789' };
const golden = (name: string) => new URL(`./golden/${name}.json`, import.meta.url).pathname;

const signing: Record<NotifyShopAuth, Pick<ContractOptions, 'sign' | 'forge'>> = {
  'public-key': {
    sign: (body) => fake.signatureHeaders(body),
    forge: (body) => fake.signatureHeaders(body, 'forged'),
  },
  token: { sign: (_body, s) => ({ 'x-notify-token': s.notificationToken ?? '' }) },
  queue: { sign: () => ({}) },
};

for (const mode of ['public-key', 'token', 'queue'] as const) {
  connectorContract({
    connector: notifyShop(mode),
    settings,
    secrets,
    ...signing[mode],
    payloads: [
      {
        name: 'an order fetched by id',
        body: JSON.stringify(notifyShopOrder('1001', at(1))),
        golden: golden('order'),
      },
    ],
    malformed: [{ name: 'an order without lines', body: '{"id":"1003"}' }],
    hydration: {
      notifications: [
        { name: 'order 1001 updated', body: notifyShopNotification('n-1', '1001') },
        { name: 'order 1002 updated', body: notifyShopNotification('n-2', '1002') },
      ],
      hold() {
        fake.state.orders = new Map([
          ['1001', notifyShopOrder('1001', at(1))],
          ['1002', notifyShopOrder('1002', at(2), 3)],
        ]);
      },
      fetches: () => fake.state.fetches,
    },
  });
}

pullContract({
  connector: notifyShop(),
  settings,
  secrets,
  pageSize: 2,
  prepare({ records, throttleFirst, deny }) {
    fake.state.orders = new Map(
      Array.from({ length: records }, (_, i) => [String(2000 + i), notifyShopOrder(String(2000 + i), at(i))]),
    );
    fake.state.throttleNext = throttleFirst ? 1 : 0;
    fake.state.deny = !!deny;
  },
});

actionsContract({
  connector: notifyShop(),
  settings,
  secrets,
  cases: [
    {
      name: 'pushFulfillment',
      call: (context) =>
        notifyShop().actions!.pushFulfillment!(context, {
          // The action reads the order's external id and the fulfillment's tracking numbers only.
          order: { externalId: '1001' } as never,
          fulfillment: { trackingNumbers: ['1Z999'] } as never,
          notifyCustomer: false,
        }),
      effects: () => fake.state.created,
    },
  ],
});
