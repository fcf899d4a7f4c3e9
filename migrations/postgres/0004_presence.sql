-- Presence. Who may see whose: people who have written in a conversation they share; this
-- index answers "has this person written here" without reading the conversation's messages.
CREATE INDEX messages_by_conversation_sender ON messages (conversation_id, sender_id);

-- Who is connected, per server process, so that a person with tabs on several processes is
-- online until the last one closes. A process refreshes seen_at (ms since the epoch) while it
-- runs; rows of processes not seen for a while are swept. UNLOGGED: after a crash nobody is
-- connected anyway.
CREATE UNLOGGED TABLE server_processes (
    origin  UUID   PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

CREATE UNLOGGED TABLE presence (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    origin  UUID   NOT NULL REFERENCES server_processes (origin) ON DELETE CASCADE,
    PRIMARY KEY (user_id, origin)
);
