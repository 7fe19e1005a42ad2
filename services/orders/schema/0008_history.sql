-- A member's history reads their sales by member, newest first.
CREATE INDEX sales_by_member ON orders.sales (member_id, sold_at DESC) WHERE member_id IS NOT NULL;
