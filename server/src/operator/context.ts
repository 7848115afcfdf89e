import { HubError, type Principal, type Role, roleAllows } from '@switchyard/core';
import type { WorkflowAdmin } from '@switchyard/workflows';
import type { Hub } from '../hub.ts';
import type { VendorCallStats } from '../vendor-calls.ts';

export type { VendorCallStats } from '../vendor-calls.ts';

/**
 * Who acts, on which hub: every operator action takes one. The API and the console build it from the signed-in
 * key; the tenant is the principal's, and every query below is scoped to it.
 */
export interface OperatorContext {
  hub: Pick<Hub, 'sql' | 'connections' | 'config'> &
    Partial<Pick<Hub, 'box'>> & { workflowAdmin?: () => WorkflowAdmin | undefined };
  by: Principal;
  /** The request that asked, carried into the audit log. */
  requestId?: string;
  /** Tells the job runner of this process that a job was queued (it would find it within a second anyway). */
  nudgeJobs?: () => void;
  /** This process's recent vendor calls of a connection (for its health), when metrics are kept. */
  vendorStats?: (connectionId: string) => VendorCallStats;
}

/** Throws 403 unless the principal's role may do what `needed` may. */
export function requireRole(ctx: OperatorContext, needed: Role, what: string): void {
  if (roleAllows(ctx.by.role, needed)) return;
  throw new HubError({
    type: 'forbidden',
    title: 'Not allowed',
    status: 403,
    detail: `${what} needs the ${needed} role; this key (${ctx.by.name}) is ${ctx.by.role}`,
    fix: `ask an admin of tenant ${ctx.by.tenantId} for a key with the ${needed} role`,
  });
}

/** The connection of this tenant, or a 404 that does not tell another tenant's connection from none. */
export function tenantConnection(ctx: OperatorContext, connectionId: string) {
  const connection = ctx.hub.connections.get(connectionId);
  if (!connection || connection.tenantId !== ctx.by.tenantId) {
    throw new HubError({
      type: 'connection-not-found',
      title: 'No such connection',
      status: 404,
      detail: `tenant ${ctx.by.tenantId} has no connection "${connectionId}"`,
      fix: 'list the connections with GET /api/v1/connections',
    });
  }
  return connection;
}
