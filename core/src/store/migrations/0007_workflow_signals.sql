-- Vendor events (payments, tracking) handed to the order workflows: marked once delivered or found to concern
-- no workflow, so a restart delivers what was left, and nothing twice (signals are deduped on the event id).
alter table inbox add column signalled_at timestamptz;
create index inbox_awaiting_signal on inbox (connection_id, id) where signalled_at is null and status = 'ignored';

-- A channel cancellation handed to the order's workflow.
alter table orders add column cancel_signalled_at timestamptz;
create index orders_awaiting_cancel on orders (id)
  where status = 'cancelled' and workflow_started_at is not null and cancel_signalled_at is null;

-- Finding the order of a tracking code.
create index order_events_tracking on order_events ((data->>'trackingCode')) where type = 'label.purchased';
