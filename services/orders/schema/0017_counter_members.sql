-- Members registered at a store's counter (issue 18), with or without a phone: the name and
-- address staff order to on their behalf, and the printed member card a till scans (only its
-- SHA-256 is kept; the card carries the code). Every member may also keep a standing
-- substitution preference, and consent to nudges by push or SMS (NULL: none, or withdrawn).
-- A member needs a phone or a card while they exist; an erased one keeps none of these.
ALTER TABLE orders.members DROP CONSTRAINT members_erased_have_no_phone;
ALTER TABLE orders.members
    ADD COLUMN name text CHECK (length(name) BETWEEN 1 AND 100),
    ADD COLUMN address_text text,
    ADD COLUMN address_lat double precision,
    ADD COLUMN address_lng double precision,
    ADD COLUMN card_hash bytea UNIQUE,
    ADD COLUMN registered_by text,  -- the staff member who registered them at the counter
    ADD COLUMN substitution text NOT NULL DEFAULT 'none'
        CHECK (substitution IN ('none', 'same_brand', 'any')),
    ADD COLUMN nudge_channel text CHECK (nudge_channel IN ('push', 'sms')),
    ADD COLUMN nudge_consent_at timestamptz,
    ADD CONSTRAINT members_reachable CHECK (
        erased_at IS NOT NULL OR phone IS NOT NULL OR card_hash IS NOT NULL),
    ADD CONSTRAINT members_erased_are_forgotten CHECK (
        erased_at IS NULL OR (phone IS NULL AND name IS NULL AND address_text IS NULL
                              AND card_hash IS NULL AND nudge_channel IS NULL)),
    ADD CONSTRAINT members_address_whole CHECK (
        (address_text IS NULL) = (address_lat IS NULL)
        AND (address_text IS NULL) = (address_lng IS NULL)),
    ADD CONSTRAINT members_sms_needs_a_phone CHECK (nudge_channel <> 'sms' OR phone IS NOT NULL);
