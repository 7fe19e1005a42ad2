-- A store's catalog version (issue 19): bumped in the same transaction as any change to its
-- prices, definitions, stock counts or currency, so a page cached under an older version is
-- never served once the change commits. Reservations and sales do not bump it (it would be a
-- row every checkout of the store queues on); what pages show as available lags by at most
-- OMO_ORDERS_CATALOG_STOCK_LAG_S.
CREATE TABLE orders.catalog_versions (
    store_id text PRIMARY KEY REFERENCES orders.stores (store_id),
    version  bigint NOT NULL
);
