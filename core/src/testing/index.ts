export { type ContractOptions, type ContractPayload, connectorContract } from './contract.ts';
export { createTestDatabase, type TestDatabase } from './database.ts';
export { jsonRequest, sampleDraft, testConnector } from './fixtures.ts';
export { type PullContractOptions, type PullScenario, pullContract } from './pull-contract.ts';
