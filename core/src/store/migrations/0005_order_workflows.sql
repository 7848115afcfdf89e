-- When the order's workflow was started (null: not yet, or the connection drives no workflow).
alter table orders add column workflow_started_at timestamptz;
create index orders_awaiting_workflow on orders (connection_id, created_at) where workflow_started_at is null;

-- From when each connection's new orders go through the order workflow: orders imported before its
-- fulfillment was configured are never shipped by surprise.
create table fulfillment_activation (
  connection_id text primary key references connections (id),
  since         timestamptz not null default now()
);
