export { connectorContract, type ContractOptions, type ContractPayload } from './contract.ts';
export { createTestDatabase, type TestDatabase } from './database.ts';
export { sampleDraft, testConnector, jsonRequest } from './fixtures.ts';
