/**
 * The connectors the deployed tasks can call: the hub's own list, from the registry
 * (connectors/registry/src/installed.ts). This folder is the Trigger.dev deployment's entry, the one place in
 * workflows/ that reads the installed connectors.
 */
export { installedConnectors as deployedConnectors } from '@switchyard/connectors';
