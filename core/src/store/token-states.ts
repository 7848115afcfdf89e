import type { TokenState } from '../connector/index.ts';
import type { Db } from './orders.ts';

/** Keeps a token source's new state (never the token) for connection health in every hub process. */
export async function recordTokenState(sql: Db, connectionId: string, state: TokenState): Promise<void> {
  await sql`
    insert into token_states (connection_id, name, state, expires_at, minted_at, error, notice, updated_at)
    values (${connectionId}, ${state.name}, ${state.state}, ${state.expiresAt ?? null}, ${state.mintedAt ?? null},
            ${state.error ?? null}, ${state.notice ?? null}, now())
    on conflict (connection_id, name) do update set state = excluded.state, expires_at = excluded.expires_at,
      minted_at = excluded.minted_at, error = excluded.error, notice = excluded.notice, updated_at = now()`;
}

/** The token states kept for `connectionIds`, by connection: `valid` past its expiry reads `expired`. */
export async function readTokenStates(
  sql: Db,
  connectionIds: readonly string[],
): Promise<Map<string, TokenState[]>> {
  const rows = await sql<
    {
      connection_id: string;
      name: string;
      state: TokenState['state'];
      expires_at: Date | null;
      minted_at: Date | null;
      error: string | null;
      notice: string | null;
      expired: boolean;
    }[]
  >`
    select connection_id, name, state, expires_at, minted_at, error, notice, expires_at <= now() as expired
    from token_states where connection_id = any(${sql.array([...connectionIds])}::text[]) order by connection_id, name`;
  const out = new Map<string, TokenState[]>();
  for (const r of rows) {
    const state: TokenState = {
      name: r.name,
      state: r.state === 'valid' && r.expired ? 'expired' : r.state,
      ...(r.expires_at ? { expiresAt: r.expires_at.toISOString() } : {}),
      ...(r.minted_at ? { mintedAt: r.minted_at.toISOString() } : {}),
      ...(r.error ? { error: r.error } : {}),
      ...(r.notice ? { notice: r.notice } : {}),
    };
    out.set(r.connection_id, [...(out.get(r.connection_id) ?? []), state]);
  }
  return out;
}
