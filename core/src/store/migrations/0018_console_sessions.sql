-- The console's sessions (issue 12), in the database so that every hub process sharing it knows them: a request
-- may land on any worker, and a restart signs nobody out. Safe to run twice.

-- The cookie holds a random 256-bit id; only its SHA-256 is kept, so a copy of this table opens no session.
-- A session ends at expires_at: the sooner of sign-in + 12 h and last use + 2 h (moved on as it is used), so one
-- column answers both limits and the cleanup walks one index. A revoked key's sessions are refused by the join
-- with api_keys at their next request, and go when the key does.
create table if not exists console_sessions (
  id_sha256    bytea primary key,
  key_id       text not null references api_keys (id) on delete cascade,
  tenant_id    text not null references tenants (id),
  csrf         text not null,
  -- Messages for the next page (after a form's redirect, which another process may answer).
  flash        jsonb not null default '[]',
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null
);
create index if not exists console_sessions_expiry on console_sessions (expires_at);
create index if not exists console_sessions_key on console_sessions (key_id);
