export { type ActionCase, type ActionsContractOptions, actionsContract } from './actions-contract.ts';
export { type ContractOptions, type ContractPayload, connectorContract } from './contract.ts';
export { createShopDatabase, createTestDatabase, type TestDatabase } from './database.ts';
export { jsonRequest, sampleDraft, testConnector } from './fixtures.ts';
export { requireGolden, UPDATE_GOLDEN } from './golden.ts';
export type { HydrationContract } from './hydrate-contract.ts';
export { type NotifyShopAuth, notifyShop } from './notify-shop.ts';
export { fakeNotifyShop, notifyShopNotification, notifyShopOrder } from './notify-shop-fake.ts';
export { type PullContractOptions, type PullScenario, pullContract } from './pull-contract.ts';
