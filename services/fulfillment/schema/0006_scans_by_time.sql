-- Scans are trimmed oldest first once past their retention (shared/retention).
CREATE INDEX scans_by_time ON fulfillment.scans (at);
