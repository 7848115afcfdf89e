-- The deferred intake (server.intake: 'deferred', issue 11): a delivery is stored raw as 'received' and answered
-- once that commits; the normalizer claims received rows, oldest first, by this index and moves each on to
-- processed, ignored or failed in the transaction that writes what it maps to.
alter table inbox drop constraint if exists inbox_status_check;
alter table inbox add constraint inbox_status_check
  check (status in ('received', 'processed', 'ignored', 'failed'));
create index if not exists inbox_received on inbox (id) where status = 'received';
