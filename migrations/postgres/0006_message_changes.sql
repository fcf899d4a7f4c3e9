-- Messages that change: edits, deletions, replies and reactions. Every change in a conversation
-- takes the next number of its `rev` under the conversation's row lock, in the transaction that
-- makes it, so changes commit in the order of their numbers and `changed_after=REV` never skips
-- one. Existing messages keep their seq as their rev.
ALTER TABLE conversations ADD COLUMN rev BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages
    ADD COLUMN rev         BIGINT      NOT NULL DEFAULT 0,
    ADD COLUMN edited_at   TIMESTAMPTZ,
    ADD COLUMN deleted     BOOLEAN     NOT NULL DEFAULT false,
    ADD COLUMN reply_to_id UUID        REFERENCES messages (id) ON DELETE SET NULL;
UPDATE messages SET rev = seq;
UPDATE conversations SET rev = last_seq;

-- Catch-up walks this; unique, so no two changes of a conversation share a number.
CREATE UNIQUE INDEX messages_by_rev ON messages (conversation_id, rev);
-- The replies that quote a message change with it.
CREATE INDEX messages_by_reply_to ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL;
-- Unread counts leave deleted messages out.
CREATE INDEX messages_deleted ON messages (conversation_id, seq) WHERE deleted;

-- One row per (message, person, emoji); `emoji_key` is the emoji without U+FE0F, which is how
-- two reactions are compared. `id` orders them: an emoji's place is its oldest row's.
CREATE TABLE reactions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id UUID   NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      TEXT   NOT NULL,
    emoji_key  TEXT   NOT NULL,
    CONSTRAINT reactions_one_per_person UNIQUE (message_id, user_id, emoji_key)
);
CREATE INDEX reactions_by_user ON reactions (user_id);
