-- A pick task keeps its order's currency, so the handheld shows a line's price as money
-- (`{amount, currency}`) like every other answer of the API. Tasks queued before this were
-- for the stores of the time, which all sold in yen.
ALTER TABLE fulfillment.pick_tasks ADD COLUMN currency text NOT NULL DEFAULT 'JPY'
    CHECK (currency ~ '^[A-Z]{3}$');
ALTER TABLE fulfillment.pick_tasks ALTER COLUMN currency DROP DEFAULT;
