-- Used by the batched intake (core/src/intake-queue.ts), which writes a whole batch of
-- deliveries in one statement: when the batch cannot be taken as a whole (an order in
-- it already exists), this aborts the statement, so nothing of it is kept, with
-- SQLSTATE SYRTY; the hub then stores each delivery on its own.
create function switchyard_abort_unless(ok boolean, reason text) returns boolean
language plpgsql as $$
begin
  if not ok then
    raise exception '%', reason using errcode = 'SYRTY';
  end if;
  return true;
end
$$;
