-- name: till
SELECT currency, lat, lng, radius_m, weight_prefixes, price_prefixes
FROM orders.stores WHERE store_id = $1

-- name: products_for_scans
SELECT sku, ean, plu, name_en, name_ja, zone, unit, price, tax_class, allergens
FROM orders.products
WHERE store_id = $1 AND (ean = ANY($2::bpchar[]) OR plu = ANY($3::text[]))

-- name: insert_sale
INSERT INTO orders.sales (
    store_id, sale_id, channel, sold_by, member_id, currency, total, tender, received, reference,
    order_id, sold_at)
VALUES (:store_id, :sale_id, :channel, :sold_by, :member_id, :currency, :total, :tender,
        :received, :reference, :order_id, :sold_at)

-- name: insert_sale_lines
INSERT INTO orders.sale_lines (
    store_id, sale_id, line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity,
    unit_price, amount, tax_class)
SELECT :store_id, :sale_id, l.line_no, l.barcode, l.scan, l.sku, l.name_en, l.name_ja, l.zone,
       l.unit, l.quantity, l.unit_price, l.amount, l.tax_class
FROM unnest(:line_no::int[], :barcode::text[], :scan::text[], :sku::text[], :name_en::text[],
            :name_ja::text[], :zone::text[], :unit::text[], :quantity::bigint[],
            :unit_price::int[], :amount::int[], :tax_class::text[])
     AS l (line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity, unit_price, amount,
           tax_class)
