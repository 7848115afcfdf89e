-- A vendor event or a channel cancellation that could not be handed over yet (the label it tracks is not
-- recorded yet, or the engine does not know the workflow yet) is looked at again from this time on, instead of
-- being marked as handed over and lost, or blocking the ones behind it.
alter table inbox add column signal_after timestamptz;
alter table orders add column cancel_signal_after timestamptz;
