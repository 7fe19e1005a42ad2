-- Members are one id across every store and channel, so these tables are not keyed by store.

CREATE TABLE orders.members (
    member_id  text PRIMARY KEY,
    phone      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- The phone's current one-time sign-up code: only its HMAC is kept. A new code overwrites the
-- row. sent_at holds the latest few send times (newest last) for the hourly limit.
CREATE TABLE orders.member_codes (
    phone      text PRIMARY KEY,
    code_hash  bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    used_at    timestamptz,
    sent_at    timestamptz[] NOT NULL
);
