import type { VendorCall } from '@switchyard/core';

// This process's recent vendor calls per connection (a window of minutes), for connections' health and the
// vendor call metrics' status label.

const WINDOW_MINUTES = 15;

/** Vendor calls of one connection over the recent window, for the connection's health. */
export interface VendorCallStats {
  calls: number;
  errors: number;
  throttled: number;
  windowMinutes: number;
}

/** A vendor call's status as a label: the HTTP status, else timeout or network. */
export function statusLabel(call: VendorCall): string {
  if (call.status !== undefined) return String(call.status);
  return call.code === 'timeout' ? 'timeout' : 'network';
}

/** Per connection, the calls of each recent minute. */
export class RecentCalls {
  private readonly minutes = new Map<
    string,
    { minute: number; calls: number; errors: number; throttled: number }[]
  >();
  constructor(private readonly now: () => number) {}

  add(connection: string, call: VendorCall) {
    const minute = Math.floor(this.now() / 60_000);
    const list = this.minutes.get(connection) ?? [];
    if (!list.length) this.minutes.set(connection, list);
    let last = list[list.length - 1];
    if (last?.minute !== minute) {
      last = { minute, calls: 0, errors: 0, throttled: 0 };
      list.push(last);
      while (list.length && list[0]!.minute <= minute - WINDOW_MINUTES) list.shift();
    }
    last.calls++;
    if (!call.ok) last.errors++;
    if (call.throttled) last.throttled++;
  }

  stats(connection: string): VendorCallStats {
    const since = Math.floor(this.now() / 60_000) - WINDOW_MINUTES;
    const out = { calls: 0, errors: 0, throttled: 0, windowMinutes: WINDOW_MINUTES };
    for (const m of this.minutes.get(connection) ?? []) {
      if (m.minute <= since) continue;
      out.calls += m.calls;
      out.errors += m.errors;
      out.throttled += m.throttled;
    }
    return out;
  }
}
