-- What a shopper's app shows of a product (pictures, a description in each language, the
-- allergens Japan's labelling names), the consumption tax class its tax-inclusive price carries,
-- and the kana reading of its Japanese name, so that a search typed in kana finds kanji.

-- Search folds text the same way on both sides: NFKC (full-width Latin and half-width katakana
-- to their usual forms), lower case, katakana to hiragana. IMMUTABLE so that the products' folded
-- keys can be stored columns.
CREATE FUNCTION orders.fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN translate(
    lower(normalize($1, NFKC)),
    'ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶ',
    'ぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖ'
);

-- Every product so far is food: the reduced rate (8 %) is right for all of them.
ALTER TABLE orders.products
    ADD COLUMN image_urls     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN description_en text NOT NULL DEFAULT '',
    ADD COLUMN description_ja text NOT NULL DEFAULT '',
    ADD COLUMN allergens      text[] NOT NULL DEFAULT '{}',
    ADD COLUMN tax_class      text NOT NULL DEFAULT 'reduced'
        CHECK (tax_class IN ('reduced', 'standard')),
    ADD COLUMN reading        text NOT NULL DEFAULT '',
    ADD COLUMN key_en         text GENERATED ALWAYS AS (orders.fold(name_en)) STORED,
    ADD COLUMN key_ja         text GENERATED ALWAYS AS (orders.fold(name_ja || ' ' || reading)) STORED,
    ADD COLUMN key_brand      text GENERATED ALWAYS AS (orders.fold(brand)) STORED,
    -- Japanese names sort by their reading (kana order); kanji code points mean nothing to a reader.
    ADD COLUMN sort_ja        text GENERATED ALWAYS AS
        (orders.fold(CASE WHEN reading <> '' THEN reading ELSE name_ja END)) STORED;

-- No index on the keys: a search ranks a store's products by a tier computed per query, so it
-- reads the store's rows (store_id leads the primary key); a few thousand a store is cheap.

-- A line keeps the tax class its product had when it was sold or ordered, as it keeps its price:
-- a receipt printed again, or an order's total after picking, splits by the rates of that day.
-- Every line so far was food.
ALTER TABLE orders.sale_lines
    ADD COLUMN tax_class text NOT NULL DEFAULT 'reduced' CHECK (tax_class IN ('reduced', 'standard'));
ALTER TABLE orders.cart_lines
    ADD COLUMN tax_class text NOT NULL DEFAULT 'reduced' CHECK (tax_class IN ('reduced', 'standard'));
ALTER TABLE orders.order_lines
    ADD COLUMN tax_class text NOT NULL DEFAULT 'reduced' CHECK (tax_class IN ('reduced', 'standard'));

-- A proposed substitute keeps why the catalog offered it, for the shopper deciding.
ALTER TABLE orders.substitutions ADD COLUMN reason text NOT NULL DEFAULT '';
