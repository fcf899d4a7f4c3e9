-- Messages that change: edits, deletions, replies and reactions. Every change in a conversation
-- takes the next number of its `rev`, in the transaction that makes it, so `changed_after=REV`
-- finds each change once. Existing messages keep their seq as their rev.
ALTER TABLE conversations ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
ALTER TABLE messages ADD COLUMN reply_to_id TEXT REFERENCES messages (id) ON DELETE SET NULL;
UPDATE messages SET rev = seq;
UPDATE conversations SET rev = last_seq;

-- Catch-up walks this; unique, so no two changes of a conversation share a number.
CREATE UNIQUE INDEX messages_by_rev ON messages (conversation_id, rev);
-- The replies that quote a message change with it.
CREATE INDEX messages_by_reply_to ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
-- Unread counts leave deleted messages out.
CREATE INDEX messages_deleted ON messages (conversation_id, seq) WHERE deleted = 1;

-- One row per (message, person, emoji); `emoji_key` is the emoji without U+FE0F, which is how
-- two reactions are compared. `id` orders them: an emoji's place is its oldest row's.
CREATE TABLE reactions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT    NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    emoji_key  TEXT    NOT NULL,
    UNIQUE (message_id, user_id, emoji_key)
) STRICT;
