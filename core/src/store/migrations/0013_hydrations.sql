-- Thin webhooks (issue 11): a notification names a resource that is fetched after the answer. What is still to
-- fetch is written in the same transaction as the notification's inbox row, so a crash loses none of it.
create table if not exists hydrations (
  inbox_id        bigint primary key references inbox (id),
  tenant_id       text not null references tenants (id),
  connection_id   text not null references connections (id),
  -- The resource the notification names: {"type": "order", "id": "..."}.
  resource        jsonb not null,
  status          text not null default 'pending' check (status in ('pending', 'hydrated', 'failed')),
  attempts        integer not null default 0,
  -- When it is due: a hydrator claims a row by moving this past its fetch, so a crashed claim comes due again.
  next_at         timestamptz not null default now(),
  last_error      text,
  -- The inbox row of the fetched record (null while pending, or when the vendor no longer had the resource).
  record_inbox_id bigint references inbox (id),
  created_at      timestamptz not null default now(),
  hydrated_at     timestamptz
);
create index if not exists hydrations_due on hydrations (next_at) where status = 'pending';
