-- name: forget_member
-- The member's doors: the address emptied, the point moved to its store's (the columns stay
-- non-null for the maps and sums that read every delivery).
UPDATE delivery.deliveries d SET address_text = '', lat = s.lat, lng = s.lng
FROM delivery.stores s
WHERE d.member_id = :member_id AND s.store_id = d.store_id

-- name: remember_erased
INSERT INTO delivery.erased_members (member_id, erased_at) VALUES (:member_id, :at)
ON CONFLICT (member_id) DO NOTHING

-- name: is_erased
SELECT EXISTS (SELECT 1 FROM delivery.erased_members WHERE member_id = $1)
