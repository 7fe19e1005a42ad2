-- A member may delete their account (DELETE /v1/me). The row stays, so orders and sales keep an
-- opaque member id for accounting, but the phone goes: an erased member has no phone and an
-- erasure time, and nobody can sign up or sign in as them again.
ALTER TABLE orders.members ALTER COLUMN phone DROP NOT NULL;
ALTER TABLE orders.members ADD COLUMN erased_at timestamptz;
ALTER TABLE orders.members
    ADD CONSTRAINT members_erased_have_no_phone CHECK ((erased_at IS NULL) = (phone IS NOT NULL));
