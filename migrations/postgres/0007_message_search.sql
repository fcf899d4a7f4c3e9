-- Message search: a GIN index over the words of message texts. It is an expression index, so
-- PostgreSQL keeps it in step with every insert, edit and deletion, and building it indexes the
-- messages already there. Deleted messages (text "") are left out of it.
--
-- Words are split by the default text-search parser with the 'simple' configuration (no
-- stemming, no stop words) after folding case. The folding does not depend on the database's
-- locale where ICU is available (a database with LC_CTYPE=C would lower ASCII only); final
-- sigma becomes sigma, as SQLite's index folds it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
        CREATE FUNCTION message_search_fold(text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS $f$ SELECT replace(lower($1 COLLATE "und-x-icu"), 'ς', 'σ') $f$;
    ELSE
        CREATE FUNCTION message_search_fold(text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            AS $f$ SELECT replace(lower($1), 'ς', 'σ') $f$;
    END IF;
END
$$;

-- A message's words, and (applied to what was typed) the words a search looks for.
CREATE FUNCTION message_search_words(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT to_tsvector('simple'::regconfig, message_search_fold($1)) $$;

CREATE INDEX messages_search ON messages USING gin (message_search_words(text)) WHERE NOT deleted;
