-- EDI X12 with trading partners (one connection per partner).

-- Interchanges received, per sender/receiver pair and ISA13: a control number seen again within 30 days is a
-- duplicate (TA1 025). Rows are kept; an older one is taken over by the new interchange.
create table edi_interchanges (
  connection_id  text not null references connections (id),
  sender         text not null,
  receiver       text not null,
  control        text not null,
  inbox_id       bigint references inbox (id),
  status         text not null,
  received_at    timestamptz not null default now(),
  primary key (connection_id, sender, receiver, control)
);

-- Functional groups received, per GS02 sender and GS06: a group control number seen again within 30 days is a
-- duplicate.
create table edi_groups (
  connection_id  text not null references connections (id),
  sender         text not null,
  control        text not null,
  received_at    timestamptz not null default now(),
  primary key (connection_id, sender, control)
);

-- Our control numbers (isa, gs, st) per envelope pair (our ISA id and theirs: two connections to one partner
-- share them), and carton serials (sscc) per GS1 company prefix: each number is taken once, in the transaction
-- that stores the document carrying it, so a crash can never hand the same number out twice.
create table edi_counters (
  scope       text not null,
  kind        text not null,
  last_value  bigint not null,
  primary key (scope, kind)
);

-- What we send to partners (TA1, 997/999, 855, 856, 810): written once per idempotency key with its control
-- numbers, delivered by the outbox, and for business documents tracked until the partner's 997 says A or R.
create table edi_documents (
  id              bigint generated always as identity primary key,
  tenant_id       text not null references tenants (id),
  connection_id   text not null references connections (id),
  idempotency_key text not null,
  kind            text not null,
  order_id        text references orders (id),
  isa_control     text not null,
  gs_control      text,
  st_control      text,
  body            text not null,
  -- queued → sending (claimed by one process until next_attempt_at) → sent, or back to queued, or failed.
  status          text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
  attempts        integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error      text,
  sent_at         timestamptz,
  -- The partner's acknowledgment of a business document: awaiting, accepted, rejected, overdue; null for acks.
  ack_status      text check (ack_status in ('awaiting', 'accepted', 'partially-accepted', 'rejected', 'overdue')),
  ack_due_at      timestamptz,
  ack_errors      jsonb,
  acked_at        timestamptz,
  -- When the document itself is due to the partner (855 within 24 h of the 850…), for the overdue sweep.
  due_at          timestamptz,
  created_at      timestamptz not null default now(),
  constraint edi_documents_once unique (connection_id, idempotency_key)
);
create index edi_documents_queued on edi_documents (next_attempt_at) where status in ('queued', 'sending');
create index edi_documents_awaiting on edi_documents (ack_due_at) where ack_status = 'awaiting';
create index edi_documents_group on edi_documents (connection_id, gs_control);
create index edi_documents_order on edi_documents (order_id);

-- When a partner's order must have its 855 (`documents.855.hours` after its 850), written at import; the sweep
-- reads what is due and not yet sent, once, instead of scanning the partner's orders.
create table edi_due (
  order_id      text not null references orders (id),
  kind          text not null,
  due_at        timestamptz not null,
  flagged_at    timestamptz,
  primary key (order_id, kind)
);
create index edi_due_open on edi_due (due_at) where flagged_at is null;
