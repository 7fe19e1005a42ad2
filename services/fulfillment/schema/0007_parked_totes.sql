-- A picker parks a tote whose shopper has yet to decide on a substitute and goes on: the task
-- goes back to the queue (not claimable until decided) and whoever claims it next is told who
-- parked it and when, so they fetch the tote from the parking shelf.
ALTER TABLE fulfillment.pick_tasks
    ADD COLUMN parked_at timestamptz,
    ADD COLUMN parked_by text;
