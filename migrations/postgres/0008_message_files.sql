-- Files in messages. An upload made by `POST /api/files` keeps the name it was uploaded under
-- (`original_name`; NULL for images and avatars, which is how the two kinds are told apart).
-- A message copies its file's URL, name, type and size, so reads need no join; `file` is the
-- URL, as `img` is, and is indexed like it for who may see an upload and the sweep of unused ones.
ALTER TABLE uploads ADD COLUMN original_name TEXT;
ALTER TABLE messages
    ADD COLUMN file       TEXT,
    ADD COLUMN file_name  TEXT,
    ADD COLUMN file_type  TEXT,
    ADD COLUMN file_bytes BIGINT,
    ADD CONSTRAINT messages_file_whole CHECK (
        (file IS NULL) = (file_name IS NULL)
        AND (file IS NULL) = (file_type IS NULL)
        AND (file IS NULL) = (file_bytes IS NULL));
CREATE INDEX messages_by_file ON messages (file) WHERE file IS NOT NULL;
