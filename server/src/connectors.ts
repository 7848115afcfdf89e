/** The connectors this hub ships: the registry's list (connectors/registry/src/installed.ts, one line each). */
export { installedConnectors } from '@switchyard/connectors';
