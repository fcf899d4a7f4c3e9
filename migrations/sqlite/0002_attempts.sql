-- Attempts at guarded actions (sign-in, sign-up, password checks), counted per key in fixed
-- windows, so that every server process on this database shares the limits. Keys are short
-- ("ip:<address>", "acct:<sha-256 of the email key>"); window_end is milliseconds since the Unix
-- epoch, and rows whose window has ended are swept.
CREATE TABLE attempts (
    key        TEXT    PRIMARY KEY,
    count      INTEGER NOT NULL,
    window_end INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX attempts_by_window_end ON attempts (window_end);
