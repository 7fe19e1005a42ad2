-- The request that published an event, so its consumers' logs and the events they publish in
-- turn carry the same id (null for events no request caused: jobs, the dispatcher, the CLI).
-- Nullable with no default: adding it rewrites nothing.
ALTER TABLE kernel.events ADD COLUMN request_id text;
