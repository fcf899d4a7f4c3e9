-- Who may see an upload (`GET /uploads/{name}`) and which uploads nothing refers to any more (the
-- housekeeping sweep) are found by the URL that messages and profiles store.
CREATE INDEX messages_by_img ON messages (img) WHERE img IS NOT NULL;
CREATE INDEX users_by_photo_url ON users (photo_url) WHERE photo_url IS NOT NULL;
-- The housekeeping sweeps walk these: uploads past their grace period, sessions past expiry.
CREATE INDEX uploads_by_created_at ON uploads (created_at);
CREATE INDEX sessions_by_expires_at ON sessions (expires_at);
