-- Running a server: an admin flag, disabled accounts, and invitations for invite-only sign-up.
ALTER TABLE users ADD COLUMN admin    INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1));
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
-- A server upgraded from before admins existed: its first account becomes the admin, as the
-- first account of a new server is.
UPDATE users SET admin = 1 WHERE id = (SELECT min(id) FROM users);

CREATE TABLE invites (
    code       TEXT    PRIMARY KEY,
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    max_uses   INTEGER NOT NULL CHECK (max_uses >= 1),
    uses       INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
