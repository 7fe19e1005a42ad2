-- In-store sales: the till and scan-and-go, from the same stock as online orders.

-- The till sells what the customer holds, even a unit an online order has reserved (see
-- services/orders/sales/domain.py): on_hand may fall below reserved, and the online channel
-- then has nothing available of that sku. Both stay at or above 0.
ALTER TABLE orders.products DROP CONSTRAINT products_check;
ALTER TABLE orders.products ADD CONSTRAINT products_reserved_check CHECK (reserved >= 0);

-- A weighed product's PLU: the item reference the store's scales print in variable-measure
-- barcodes. Derived from the EAN, its 5 digits before the check digit (digits 8 to 12:
-- 4900000100050 -> 10005), so no seed or import has to keep two codes in step. Only weighed
-- products have one; two in a store cannot share it.
ALTER TABLE orders.products
    ADD COLUMN plu text GENERATED ALWAYS AS (
        CASE WHEN unit = 'kg' THEN substring(ean FROM 8 FOR 5) END) STORED;
CREATE UNIQUE INDEX products_by_plu ON orders.products (store_id, plu);

-- Which 2-digit prefixes of variable-measure barcodes carry a weight in grams, and which a price
-- in minor units. A code in neither is read as an ordinary GTIN.
ALTER TABLE orders.stores
    ADD COLUMN weight_prefixes text[] NOT NULL DEFAULT '{20,21,22,23,24}',
    ADD COLUMN price_prefixes text[] NOT NULL DEFAULT '{25,26,27,28,29}',
    ADD CONSTRAINT stores_variable_measure_prefixes CHECK (
        NOT (weight_prefixes && price_prefixes)
        AND array_position(weight_prefixes || price_prefixes, NULL) IS NULL
        AND array_to_string(weight_prefixes || price_prefixes, ',') ~ '^([0-9]{2}(,|$))*$');

-- Every in-store sale: rung up at a till, or a scan-and-go cart paid in the app.
CREATE TABLE orders.sales (
    store_id  text NOT NULL REFERENCES orders.stores (store_id),
    sale_id   text NOT NULL UNIQUE,
    channel   text NOT NULL CHECK (channel IN ('till', 'scan_and_go')),
    sold_by   text NOT NULL,  -- the cashier's token subject, or the shopper's member id
    member_id text,           -- the member attached to the sale, if any
    currency  char(3) NOT NULL,
    total     int NOT NULL CHECK (total >= 0),
    tender    text NOT NULL CHECK (tender IN ('cash', 'card_terminal', 'card_online')),
    received  int CHECK (received >= total),  -- the cash handed over
    reference text,                           -- the card terminal's or the gateway's id
    order_id  text,                           -- the delivery order, when it went home by rider
    sold_at   timestamptz NOT NULL,
    PRIMARY KEY (store_id, sale_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id),
    CHECK ((tender = 'cash') = (received IS NOT NULL))
);
CREATE INDEX sales_by_time ON orders.sales (store_id, sold_at);

-- quantity: pieces for `each`, grams for `kg`; unit_price per piece or per kilogram; amount is
-- what the line cost (a price label's printed price).
CREATE TABLE orders.sale_lines (
    store_id   text NOT NULL,
    sale_id    text NOT NULL,
    line_no    int NOT NULL,
    barcode    text NOT NULL,
    scan       text NOT NULL CHECK (scan IN ('gtin', 'weight', 'price')),
    sku        text NOT NULL,
    name_en    text NOT NULL,
    name_ja    text NOT NULL,
    zone       text NOT NULL,
    unit       text NOT NULL CHECK (unit IN ('each', 'kg')),
    quantity   bigint NOT NULL CHECK (quantity > 0),
    unit_price int NOT NULL CHECK (unit_price >= 0),
    amount     int NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (store_id, sale_id, line_no),
    FOREIGN KEY (store_id, sale_id) REFERENCES orders.sales (store_id, sale_id)
);

-- A shopper's scan-and-go cart: open while scanning, paying once its PaymentIntent exists (its
-- lines are frozen then), paid when the payment succeeded (stock taken, a sale recorded). The
-- exit code is single use: exit_at says when a cashier let it out.
CREATE TABLE orders.carts (
    store_id          text NOT NULL REFERENCES orders.stores (store_id),
    cart_id           text NOT NULL UNIQUE,
    member_id         text NOT NULL,
    status            text NOT NULL CHECK (status IN ('open', 'paying', 'paid')),
    currency          char(3) NOT NULL,
    opened_at         timestamptz NOT NULL,
    payment_intent_id text,
    client_secret     text,
    sale_id           text,
    paid_at           timestamptz,
    exit_at           timestamptz,
    exit_by           text,
    PRIMARY KEY (store_id, cart_id),
    FOREIGN KEY (store_id, sale_id) REFERENCES orders.sales (store_id, sale_id),
    CHECK ((status = 'open') = (payment_intent_id IS NULL)),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    CHECK ((paid_at IS NULL) = (sale_id IS NULL)),
    CHECK (exit_at IS NULL OR status = 'paid')
);

-- One row per scan; a removed scan keeps its row (and its number) with removed_at set.
CREATE TABLE orders.cart_lines (
    store_id   text NOT NULL,
    cart_id    text NOT NULL,
    line_no    int NOT NULL,
    barcode    text NOT NULL,
    scan       text NOT NULL CHECK (scan IN ('gtin', 'weight', 'price')),
    sku        text NOT NULL,
    name_en    text NOT NULL,
    name_ja    text NOT NULL,
    zone       text NOT NULL,
    unit       text NOT NULL CHECK (unit IN ('each', 'kg')),
    quantity   bigint NOT NULL CHECK (quantity > 0),
    unit_price int NOT NULL CHECK (unit_price >= 0),
    amount     int NOT NULL CHECK (amount >= 0),
    scanned_at timestamptz NOT NULL,
    removed_at timestamptz,
    PRIMARY KEY (store_id, cart_id, line_no),
    FOREIGN KEY (store_id, cart_id) REFERENCES orders.carts (store_id, cart_id)
);
