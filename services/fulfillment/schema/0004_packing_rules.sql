-- A store's packing rule: which zones may share a bag, and how many lines a bag holds. No row:
-- the default (chilled with frozen in an insulated bag, ambient with produce; 6 lines a bag).
CREATE TABLE fulfillment.packing_rules (
    store_id      text PRIMARY KEY,
    groups        jsonb NOT NULL,
    lines_per_bag int NOT NULL CHECK (lines_per_bag BETWEEN 1 AND 40)
);

-- A bag now lists every zone it holds (a later zone of the same group may share it) and the
-- lines in it, so a packer knows its room. Bags packed before this count as full (NULL).
ALTER TABLE fulfillment.bags
    ADD COLUMN zones text[],
    ADD COLUMN lines int CHECK (lines >= 0);
UPDATE fulfillment.bags SET zones = ARRAY[zone];
ALTER TABLE fulfillment.bags ALTER COLUMN zones SET NOT NULL;
