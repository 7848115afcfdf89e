import { defineConnector } from '@switchyard/core';
import { easypostActions } from './actions.ts';
import { normalizeEvent, workflowSignal } from './map-event.ts';
import { EasyPostSecrets, EasyPostSettings } from './settings.ts';
import { easypostWebhook } from './webhook.ts';

export { SIGNAL_EVENTS, type TrackingSignal, trackingSignal } from './map-event.ts';
export { EasyPostSecrets, EasyPostSettings } from './settings.ts';
export { easypostSignature } from './webhook.ts';

/** EasyPost: shipments with rates, the label bought once, label refunds; tracker events read as workflow signals. */
export const easypost = defineConnector({
  id: 'easypost',
  title: 'EasyPost',
  capabilities: ['events.webhook', 'shipment.label'],
  settings: EasyPostSettings,
  secrets: EasyPostSecrets,
  webhook: easypostWebhook,
  normalize: normalizeEvent,
  actions: easypostActions(),
  signal: workflowSignal,
});

export default easypost;
