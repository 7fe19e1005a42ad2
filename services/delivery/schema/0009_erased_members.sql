-- Members who deleted their account (`member.erased`): their tokens are refused here too, and
-- their deliveries keep no door (the address is emptied and the point moved to the store's).
CREATE TABLE delivery.erased_members (
    member_id text PRIMARY KEY,
    erased_at timestamptz NOT NULL
);
