-- Message search: a full-text index over message texts, kept in step with `messages` by
-- triggers (an edit replaces the old words, a deletion clears the text and so its words).
-- `unicode61` folds case in every script (É/é, Ж/ж, Σ/σ/ς) and keeps diacritics, as the
-- PostgreSQL index does; the prefix indexes keep short prefixes ("me*") from merging thousands
-- of terms. The index's rows are those of `messages` by rowid, which VACUUM keeps for a table
-- with indexes.
CREATE VIRTUAL TABLE messages_search USING fts5 (
    text,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO messages_search (rowid, text) VALUES (new.rowid, new.text);
END;

-- The messages already there become searchable.
INSERT INTO messages_search (messages_search) VALUES ('rebuild');
