-- What a rider's box carries, set by the store's manager through the API: the store's box for
-- every rider, and a rider's own (a bigger cargo bike) where it differs; NULL is the store's.
-- 40 bags is more than any two-wheeler carries: a figure above it is a typing slip.
ALTER TABLE delivery.stores
    ADD CONSTRAINT stores_bag_capacity_sane CHECK (bag_capacity BETWEEN 1 AND 40),
    ADD CONSTRAINT stores_service_s_sane CHECK (service_s <= 1800);

ALTER TABLE delivery.riders
    ADD COLUMN box_bags int CHECK (box_bags BETWEEN 1 AND 40);
