-- Accounting (issue 15). Safe to run twice.

-- An authorized connection's OAuth grant (QuickBooks Online, Xero): the tokens sealed with the hub's secret key
-- (AES-256-GCM, bound to the connection id), refreshed by one process at a time under the row's lock, the
-- rotated refresh token saved in the same transaction that makes the new access token usable.
create table if not exists connection_grants (
  connection_id      text primary key references connections (id),
  account            text not null,
  account_name       text,
  access_token       text not null,
  access_expires_at  timestamptz not null,
  refresh_token      text not null,
  refresh_expires_at timestamptz,
  -- valid | reconnect-needed (the vendor refused the refresh token: a person must authorize again)
  state              text not null default 'valid',
  error              text,
  authorized_at      timestamptz not null default now(),
  refreshed_at       timestamptz,
  refreshes          integer not null default 0
);

-- Authorizations started (CLI or console) and not yet finished: `state` is the credential the vendor's redirect
-- brings back, kept only as its SHA-256; single use, expiring.
create table if not exists authorization_requests (
  id            text primary key,
  state_hash    text not null unique,
  connection_id text not null references connections (id),
  code_verifier text not null,
  redirect_uri  text not null,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  finished_at   timestamptz,
  -- authorized | failed
  outcome       text,
  detail        text
);

-- Which version of each order the books dispatcher has looked at (null: not yet); orders of a channel from
-- when its accounting section was first configured.
alter table orders add column if not exists books_version integer;
create index if not exists orders_awaiting_books on orders (connection_id, id)
  where books_version is null or books_version < version;
create table if not exists books_activation (
  connection_id text primary key references connections (id),
  since         timestamptz not null default now()
);

-- One row per document the hub posts (or posted) to a books connection, under the posting's key.
create table if not exists book_postings (
  books_connection text not null references connections (id),
  key              text not null,
  tenant_id        text not null references tenants (id),
  order_id         text references orders (id),
  kind             text not null,
  -- pending | parked (reconnect needed) | posted | failed
  status           text not null,
  workflow_id      text not null,
  external_id      text,
  number           text,
  currency         text not null,
  total_amount     bigint not null,
  tax_amount       bigint not null,
  books_total      bigint,
  books_tax        bigint,
  detail           text,
  -- invoices: when the books reported them paid
  paid_at          timestamptz,
  created_at       timestamptz not null default now(),
  posted_at        timestamptz,
  primary key (books_connection, key)
);
create index if not exists book_postings_order on book_postings (order_id);
create index if not exists book_postings_external on book_postings (books_connection, external_id);
create index if not exists book_postings_open_invoices on book_postings (books_connection)
  where kind = 'invoice' and status = 'posted' and paid_at is null;

-- Daily summaries: one journal per books connection, day and currency.
create table if not exists book_summaries (
  id               text primary key,
  books_connection text not null references connections (id),
  tenant_id        text not null references tenants (id),
  day              date not null,
  currency         text not null,
  status           text not null,
  lines            jsonb not null,
  debits           bigint not null,
  credits          bigint not null,
  orders           integer not null,
  external_id      text,
  detail           text,
  created_at       timestamptz not null default now(),
  posted_at        timestamptz,
  unique (books_connection, day, currency)
);
-- What each summary holds: an order's sale or refund is in exactly one summary.
create table if not exists book_summary_entries (
  books_connection text not null references connections (id),
  entry_key        text not null,
  summary_day      date not null,
  currency         text not null,
  order_id         text not null references orders (id),
  kind             text not null,
  amount           bigint not null,
  lines            jsonb not null,
  primary key (books_connection, entry_key)
);
create index if not exists book_summary_entries_day on book_summary_entries (books_connection, summary_day, currency);
-- The days a daily-summary connection has started (so a day is summarized once, and none is skipped).
create table if not exists book_days (
  books_connection text not null references connections (id),
  day              date not null,
  started_at       timestamptz not null default now(),
  primary key (books_connection, day)
);

-- Changes the books reported, by their event id: each is acted on once.
create table if not exists books_events_seen (
  books_connection text not null references connections (id),
  event_id         text not null,
  seen_at          timestamptz not null default now(),
  primary key (books_connection, event_id)
);
-- The change feed's watermark per books connection.
create table if not exists books_feed (
  books_connection text primary key references connections (id),
  read_until       timestamptz not null,
  read_at          timestamptz not null default now()
);
-- When a day's orders were gathered into its summaries: the next day is started only after (days in order).
alter table book_days add column if not exists gathered_at timestamptz;
-- The daily summary's gather reads a channel's orders changed since a few days before the day.
create index if not exists orders_connection_updated on orders (connection_id, updated_at);
