import { defineConnector } from '@switchyard/core';
import { stripeActions } from './actions.ts';
import { normalizeEvent, workflowSignal } from './map-event.ts';
import { StripeSecrets, StripeSettings } from './settings.ts';
import { stripeWebhook } from './webhook.ts';

export { API_VERSION, stripeClient } from './client.ts';
export { SIGNAL_EVENTS, type StripeSignal, stripeSignal } from './map-event.ts';
export { StripeSecrets, StripeSettings } from './settings.ts';
export { SIGNATURE_TOLERANCE_SECONDS } from './webhook.ts';

/** Stripe: payment capture, release, refunds and invoices on terms; its events read as workflow signals. */
export const stripe = defineConnector({
  id: 'stripe',
  title: 'Stripe',
  capabilities: ['events.webhook', 'payment.capture'],
  settings: StripeSettings,
  secrets: StripeSecrets,
  webhook: stripeWebhook,
  normalize: normalizeEvent,
  actions: stripeActions(),
  signal: workflowSignal,
});

export default stripe;
