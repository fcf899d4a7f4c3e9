-- The seed's data model (user, conversation, userconversation, message) plus what the contract
-- needs: per-conversation seq, idempotent client ids, conversation kind and title, read positions.
-- Times are milliseconds since the Unix epoch (UTC); ids of conversations and messages are
-- lowercase hyphenated UUID text.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL,
    -- Lowercased email: the uniqueness rule ("Ana@x.com" and "ana@x.com" are one account).
    email_key     TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    -- display_name lowercased by the server (Unicode-aware, unlike SQLite's lower()): what
    -- user search matches.
    name_key      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    photo_url     TEXT,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_name_key ON users (name_key);

-- Substring search over names: a trigram index kept in step with users by triggers.
CREATE VIRTUAL TABLE users_search USING fts5 (name_key, content = 'users', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, name_key) VALUES (new.id, new.name_key);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, name_key) VALUES ('delete', old.id, old.name_key);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF name_key ON users BEGIN
    INSERT INTO users_search (users_search, rowid, name_key) VALUES ('delete', old.id, old.name_key);
    INSERT INTO users_search (rowid, name_key) VALUES (new.id, new.name_key);
END;

-- One row per signed-in session; deleting it revokes the token that carries its id.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Images the server accepted, and who uploaded each: a message may only carry its sender's.
CREATE TABLE uploads (
    name         TEXT    PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_type TEXT    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE conversations (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('direct', 'group')),
    title       TEXT,
    -- The two members of a direct conversation, lower id first; unique, so two people have at
    -- most one direct conversation however many requests race to create it.
    direct_low  INTEGER REFERENCES users (id) ON DELETE CASCADE,
    direct_high INTEGER REFERENCES users (id) ON DELETE CASCADE,
    -- seq of the newest message; raised in the transaction that inserts it.
    last_seq    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    -- Last activity, for sorting the conversation list.
    updated_at  INTEGER NOT NULL,
    UNIQUE (direct_low, direct_high),
    CHECK ((kind = 'direct') = (direct_low IS NOT NULL AND direct_high IS NOT NULL AND direct_low < direct_high))
) STRICT;

-- The seed's userconversation, with each member's read position.
CREATE TABLE user_conversations (
    conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_seq        INTEGER NOT NULL DEFAULT 0,
    joined_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_conversations_by_user ON user_conversations (user_id, conversation_id);

CREATE TABLE messages (
    id              TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    sender_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id       TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    img             TEXT,
    created_at      INTEGER NOT NULL,
    -- History pages walk this index, so their cost does not grow with the conversation.
    UNIQUE (conversation_id, seq),
    -- A retried send finds the first message instead of making a second.
    UNIQUE (sender_id, client_id)
) STRICT;
