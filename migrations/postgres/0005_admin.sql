-- Running a server: an admin flag, disabled accounts, and invitations for invite-only sign-up.
ALTER TABLE users ADD COLUMN admin    BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false;
-- A server upgraded from before admins existed: its first account becomes the admin, as the
-- first account of a new server is.
UPDATE users SET admin = true WHERE id = (SELECT min(id) FROM users);

CREATE TABLE invites (
    code       TEXT        PRIMARY KEY,
    created_by BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    max_uses   INTEGER     NOT NULL CHECK (max_uses >= 1),
    uses       INTEGER     NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
