const TRANSIENT_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);

/** Deadlock or serialization failure: the transaction lost a race and can simply run again. */
export function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Database trouble that a retry may cure (connection lost, serialization failure,
 * server shutting down): the caller answers 503 so the sender retries. Anything
 * else thrown while applying an order is a refusal of that order, recorded as an
 * exception with its input.
 */
export function isTransientDbError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return TRANSIENT_CODES.has(code) || /^(08|40|53|57)/.test(code);
}
