-- The store's time zone (from `store.updated`), so the manager's live page shows store times.
ALTER TABLE delivery.stores ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
