-- The bus's rows carry their store (from the event's `store_id`; none for a chain-wide event
-- such as member.erased), and one key's events are read in order by the streams that replay
-- them to a client (an order's events for its shopper, from a Last-Event-ID on).
ALTER TABLE kernel.events ADD COLUMN store_id text;
CREATE INDEX events_by_key ON kernel.events (key, seq);
