export { main } from './cli/index.ts';
export { installedConnectors } from './connectors.ts';
export { partners, startEdi } from './edi.ts';
export { createApp } from './http/app.ts';
export { type Hub, loadConfig, openHub } from './hub.ts';
export { createLogger, type Logger, silentLogger } from './log.ts';
export { beginAuthorization, completeAuthorization } from './operator/authorize.ts';
export { connectionHealth } from './operator/connections.ts';
export { listen, type RunningServer } from './serve.ts';
