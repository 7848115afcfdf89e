-- Keyset pages of the exceptions inbox, newest first (created_at desc, id desc): one index for a status
-- (open, the default, or resolved) and one for all of them, so a page reads only its rows and sorts nothing.
-- The first replaces exceptions_tenant_status (0001), a prefix of it. Safe to run twice.
create index if not exists exceptions_tenant_status_keyset on exceptions (tenant_id, status, created_at desc, id desc);
create index if not exists exceptions_tenant_keyset on exceptions (tenant_id, created_at desc, id desc);
drop index if exists exceptions_tenant_status;
