-- Riders on shift and where they are, the orders to deliver, and the routes that carry them.

-- Per store: how many bags a rider carries and how long a hand-over at the door takes.
ALTER TABLE delivery.stores
    ADD COLUMN bag_capacity int NOT NULL DEFAULT 6 CHECK (bag_capacity > 0),
    ADD COLUMN service_s    int NOT NULL DEFAULT 120 CHECK (service_s >= 0);

-- A rider's state: on shift or not, the last known position, and the ping rate window.
ALTER TABLE delivery.riders
    ADD COLUMN on_shift     boolean NOT NULL DEFAULT false,
    ADD COLUMN lat          double precision,
    ADD COLUMN lng          double precision,
    ADD COLUMN located_at   timestamptz,
    ADD COLUMN window_start timestamptz,
    ADD COLUMN window_calls int NOT NULL DEFAULT 0;

CREATE TABLE delivery.shifts (
    store_id   text NOT NULL,
    rider_id   text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz,
    PRIMARY KEY (store_id, rider_id, started_at)
);
CREATE UNIQUE INDEX shifts_one_open ON delivery.shifts (store_id, rider_id) WHERE ended_at IS NULL;

-- Every position a rider reported (tracking, and the simulator's maps).
CREATE TABLE delivery.pings (
    store_id text NOT NULL,
    rider_id text NOT NULL,
    at       timestamptz NOT NULL,
    lat      double precision NOT NULL,
    lng      double precision NOT NULL,
    PRIMARY KEY (store_id, rider_id, at)
);

-- A delivery order from `order.placed`: waiting to be packed, ready (packed, its bags known),
-- assigned to a route, out with a rider, then delivered, failed or cancelled. The hand-over
-- code is what the shopper's app shows the rider at the door.
CREATE TABLE delivery.deliveries (
    store_id       text NOT NULL,
    order_id       text NOT NULL,
    member_id      text NOT NULL,
    lat            double precision NOT NULL,
    lng            double precision NOT NULL,
    address_text   text NOT NULL,
    promise_at     timestamptz NOT NULL,
    placed_at      timestamptz NOT NULL,
    status         text NOT NULL CHECK (status IN
                       ('waiting', 'ready', 'assigned', 'out', 'delivered', 'failed', 'cancelled')),
    handover_code  text NOT NULL,
    bags           int NOT NULL DEFAULT 0,
    ready_at       timestamptz,
    route_id       text,
    rider_id       text,
    eta            timestamptz,
    out_at         timestamptz,
    done_at        timestamptz,
    proof          text CHECK (proof IN ('code', 'photo')),
    photo_ref      text,
    failure_reason text,
    PRIMARY KEY (store_id, order_id)
);
CREATE UNIQUE INDEX deliveries_by_order ON delivery.deliveries (order_id);
CREATE INDEX deliveries_ready ON delivery.deliveries (store_id) WHERE status = 'ready';

CREATE TABLE delivery.bags (
    store_id text NOT NULL,
    code     text NOT NULL,
    order_id text NOT NULL,
    zone     text NOT NULL,
    number   int NOT NULL,
    of       int NOT NULL,
    PRIMARY KEY (store_id, code)
);
CREATE INDEX bags_by_order ON delivery.bags (store_id, order_id);

-- A route: one rider's trip, its stops in order with the ETAs it was planned with.
CREATE TABLE delivery.routes (
    store_id     text NOT NULL,
    route_id     text NOT NULL,
    rider_id     text NOT NULL,
    status       text NOT NULL CHECK (status IN ('assigned', 'out', 'done', 'cancelled')),
    planned_at   timestamptz NOT NULL,
    picked_up_at timestamptz,
    done_at      timestamptz,
    solver       text NOT NULL,
    PRIMARY KEY (store_id, route_id)
);
CREATE UNIQUE INDEX routes_one_open_per_rider ON delivery.routes (store_id, rider_id)
    WHERE status IN ('assigned', 'out');

CREATE TABLE delivery.route_stops (
    store_id text NOT NULL,
    route_id text NOT NULL,
    seq      int NOT NULL,
    order_id text NOT NULL,
    eta      timestamptz NOT NULL,
    PRIMARY KEY (store_id, route_id, seq)
);

-- The dispatcher's last plan per store: what the store view shows, and its alert when no
-- on-time plan exists.
CREATE TABLE delivery.dispatch_runs (
    store_id     text PRIMARY KEY,
    at           timestamptz NOT NULL,
    solver       text NOT NULL,
    solve_s      double precision NOT NULL,
    ready_orders int NOT NULL,
    free_riders  int NOT NULL,
    committed    int NOT NULL,
    held         int NOT NULL,
    late_orders  int NOT NULL,
    lateness_s   double precision NOT NULL,
    unassigned   int NOT NULL,
    owner        text NOT NULL
);
