-- One pick task per paid order and temperature zone, its lines in the store's walking order.
CREATE TABLE fulfillment.pick_tasks (
    store_id   text NOT NULL,
    task_id    text NOT NULL,
    order_id   text NOT NULL,
    zone       text NOT NULL CHECK (zone IN ('ambient', 'chilled', 'frozen', 'produce')),
    fulfilment text NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    deadline   timestamptz NOT NULL,
    status     text NOT NULL CHECK (status IN ('queued', 'cancelled')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, task_id),
    UNIQUE (store_id, order_id, zone)
);
CREATE INDEX pick_tasks_queue ON fulfillment.pick_tasks (store_id, zone, deadline)
    WHERE status = 'queued';

-- quantity: pieces, or grams for `kg`; the bin is copied so the walk order is the task's own.
CREATE TABLE fulfillment.pick_lines (
    store_id text NOT NULL,
    task_id  text NOT NULL,
    seq      int NOT NULL,
    line_no  int NOT NULL,
    sku      text NOT NULL,
    name_en  text NOT NULL,
    name_ja  text NOT NULL,
    unit     text NOT NULL,
    quantity bigint NOT NULL CHECK (quantity > 0),
    aisle    int,
    bay      int,
    shelf    int,
    PRIMARY KEY (store_id, task_id, seq),
    FOREIGN KEY (store_id, task_id) REFERENCES fulfillment.pick_tasks (store_id, task_id)
);
