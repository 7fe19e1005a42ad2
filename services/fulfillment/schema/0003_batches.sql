-- Picking in batches on handhelds: leases, scans, shortages and substitutes, bags, staging.

-- The store's variable-measure barcode prefixes (from `store.updated`), to read weight labels.
ALTER TABLE fulfillment.stores
    ADD COLUMN weight_prefixes text[] NOT NULL DEFAULT '{20,21,22,23,24}',
    ADD COLUMN price_prefixes text[] NOT NULL DEFAULT '{25,26,27,28,29}';

-- A picker signs in on a handheld with the store and a PIN; only a keyed digest is kept, unique
-- in the store so the PIN alone names the picker.
ALTER TABLE fulfillment.pickers ADD COLUMN pin_digest text;
CREATE UNIQUE INDEX pickers_by_pin ON fulfillment.pickers (store_id, pin_digest);

-- Failed PIN sign-ins, counted per store to slow down guessing.
CREATE TABLE fulfillment.pin_failures (
    store_id text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX pin_failures_recent ON fulfillment.pin_failures (store_id, at);

-- A batch: up to N tasks of one zone, a tote each, held by one picker under a lease that any
-- command renews. A lapsed lease sends its unfinished tasks back to the queue.
CREATE TABLE fulfillment.batches (
    store_id    text NOT NULL,
    batch_id    text NOT NULL,
    picker_id   text NOT NULL,
    zone        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('active', 'done', 'lapsed')),
    claimed_at  timestamptz NOT NULL,
    lease_until timestamptz NOT NULL,
    closed_at   timestamptz,
    task_ids    text[] NOT NULL,  -- as claimed, to tell a lapsed device where its orders went
    PRIMARY KEY (store_id, batch_id)
);
CREATE UNIQUE INDEX batches_one_active_per_picker ON fulfillment.batches (store_id, picker_id)
    WHERE status = 'active';
CREATE INDEX batches_by_lease ON fulfillment.batches (lease_until) WHERE status = 'active';

ALTER TABLE fulfillment.pick_tasks DROP CONSTRAINT pick_tasks_status_check;
ALTER TABLE fulfillment.pick_tasks
    ADD CONSTRAINT pick_tasks_status_check
        CHECK (status IN ('queued', 'claimed', 'picked', 'packed', 'cancelled')),
    ADD COLUMN batch_id      text,
    ADD COLUMN tote          int,
    ADD COLUMN picker_id     text,  -- who holds it now, or who packed it
    ADD COLUMN claimed_at    timestamptz,
    ADD COLUMN first_scan_at timestamptz,
    ADD COLUMN picked_at     timestamptz,
    ADD COLUMN packed_at     timestamptz;
-- Claiming reads the queue per zone; the old index only covered 'queued'.
CREATE INDEX pick_tasks_by_batch ON fulfillment.pick_tasks (store_id, batch_id);
CREATE INDEX pick_tasks_open ON fulfillment.pick_tasks (store_id, order_id)
    WHERE status IN ('claimed', 'picked');

-- What the picker scans for a line and how much is in the tote (pieces, or grams for `kg`).
-- `short` is set when the picker reports finding less; the line's substitute, if any, follows.
ALTER TABLE fulfillment.pick_lines
    ADD COLUMN ean        text NOT NULL DEFAULT '',
    ADD COLUMN unit_price int NOT NULL DEFAULT 0,
    ADD COLUMN preference text NOT NULL DEFAULT 'none',
    ADD COLUMN picked     bigint NOT NULL DEFAULT 0 CHECK (picked >= 0),
    ADD COLUMN short      boolean NOT NULL DEFAULT false,
    ADD COLUMN picked_by  text;

-- A substitute proposed for a short line; the shopper (or their preference) decides.
CREATE TABLE fulfillment.substitutes (
    store_id        text NOT NULL,
    task_id         text NOT NULL,
    seq             int NOT NULL,
    substitution_id text NOT NULL,
    sku             text NOT NULL,
    ean             text NOT NULL,
    name_en         text NOT NULL,
    name_ja         text NOT NULL,
    unit            text NOT NULL,
    quantity        bigint NOT NULL CHECK (quantity > 0),
    unit_price      int NOT NULL,
    aisle           int,
    bay             int,
    shelf           int,
    decide_by       timestamptz NOT NULL,
    approved        boolean,
    picked          bigint NOT NULL DEFAULT 0 CHECK (picked >= 0),
    closed          boolean NOT NULL DEFAULT false,  -- the picker found less of it
    PRIMARY KEY (store_id, task_id, seq),
    UNIQUE (store_id, substitution_id),
    FOREIGN KEY (store_id, task_id, seq) REFERENCES fulfillment.pick_lines (store_id, task_id, seq)
);

-- Every accepted scan, for the audit and the stage times.
CREATE TABLE fulfillment.scans (
    store_id   text NOT NULL,
    scan_id    uuid NOT NULL,
    batch_id   text NOT NULL,
    task_id    text NOT NULL,
    seq        int NOT NULL,
    substitute boolean NOT NULL,
    picker_id  text NOT NULL,
    barcode    text NOT NULL,
    amount     bigint NOT NULL,
    device_id  text,
    at         timestamptz NOT NULL,
    PRIMARY KEY (store_id, scan_id)
);

-- Each handheld's last applied command: a replayed queue is applied in order, stale ones dropped.
CREATE TABLE fulfillment.devices (
    store_id  text NOT NULL,
    device_id text NOT NULL,
    picker_id text NOT NULL,
    last_seq  bigint NOT NULL,
    seen_at   timestamptz NOT NULL,
    PRIMARY KEY (store_id, device_id)
);

-- Bags, one QR label each: order, zone, bag n of m (numbered within the zone).
CREATE TABLE fulfillment.bags (
    store_id  text NOT NULL,
    code      text NOT NULL,
    order_id  text NOT NULL,
    zone      text NOT NULL,
    number    int NOT NULL,
    of        int NOT NULL CHECK (number BETWEEN 1 AND of),
    packed_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, code)
);
CREATE INDEX bags_by_order ON fulfillment.bags (store_id, order_id);

-- Where a packed pickup order waits; a slot is free again once the order is collected.
CREATE TABLE fulfillment.staging (
    store_id     text NOT NULL,
    order_id     text NOT NULL,
    slot         text NOT NULL,
    staged_at    timestamptz NOT NULL,
    collected_at timestamptz,
    PRIMARY KEY (store_id, order_id)
);
CREATE UNIQUE INDEX staging_slot_taken ON fulfillment.staging (store_id, slot)
    WHERE collected_at IS NULL AND slot <> 'OVERFLOW';
