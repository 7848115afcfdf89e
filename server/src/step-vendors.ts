import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

// Which vendors a workflow step called, for the step latency metric's `vendor` label.

/** Step keys run per shipment or per turn ("buy-label#2", "tracking-3") are one step for the metrics. */
export function stepLabel(key: string): string {
  return key.replace(/#\d+$/, '').replace(/-\d+$/, '').slice(0, 64);
}

/**
 * The vendors a running step calls: names from core's vendor client, else the hosts its HTTP requests go to
 * (clients built on a vendor's own library: Stripe, EasyPost), read from Node's diagnostics channels.
 */
export interface StepVendors {
  names: Set<string>;
  hosts: Set<string>;
}
export const stepVendors = new AsyncLocalStorage<StepVendors>();
let channelSubscribers = 0;
const onUndiciRequest = (message: unknown) => {
  const origin = (message as { request?: { origin?: string | URL } }).request?.origin;
  const host = origin ? hostOf(String(origin)) : undefined;
  if (host) stepVendors.getStore()?.hosts.add(host);
};
const onHttpRequest = (message: unknown) => {
  const host = (message as { request?: { host?: string } }).request?.host;
  if (host) stepVendors.getStore()?.hosts.add(host);
};
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}
export function watchStepRequests(): () => void {
  if (channelSubscribers++ === 0) {
    subscribe('undici:request:create', onUndiciRequest);
    subscribe('http.client.request.start', onHttpRequest);
  }
  return () => {
    if (--channelSubscribers === 0) {
      unsubscribe('undici:request:create', onUndiciRequest);
      unsubscribe('http.client.request.start', onHttpRequest);
    }
  };
}

export function vendorLabel(seen: StepVendors): string {
  const names = seen.names.size ? seen.names : seen.hosts;
  return names.size ? [...names].sort().join('+').slice(0, 128) : 'none';
}
