-- Presence. Who may see whose: people who have written in a conversation they share; this
-- index answers "has this person written here" without reading the conversation's messages.
CREATE INDEX messages_by_conversation_sender ON messages (conversation_id, sender_id);

-- Who is connected, per server process, so that a person with tabs on several processes is
-- online until the last one closes. A process refreshes seen_at (ms since the epoch) while it
-- runs; rows of processes not seen for a while are swept.
CREATE TABLE server_processes (
    origin  TEXT    PRIMARY KEY,
    seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE presence (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    origin  TEXT    NOT NULL REFERENCES server_processes (origin) ON DELETE CASCADE,
    PRIMARY KEY (user_id, origin)
) STRICT, WITHOUT ROWID;
