//! Connecting, and reading conversations as a member sees them (SQLite).

use super::*;

impl SqliteStore {
    pub async fn connect(url: &str) -> DbResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Checkpoints run on a connection of their own (see `checkpoint`).
            .pragma("wal_autocheckpoint", "0");
        if let Some(dir) = options
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Sqlx(sqlx::Error::Io(e)))?;
        }
        // No ping before each use: a connection to a local file does not go stale, and each ping
        // is a round trip to the connection's thread.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&write).await?;
        let checkpoints = checkpoint::Checkpoints::start(options.clone()).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await?;
        let messages = Batcher::spawn(send::BATCH, send::LINGER, {
            let write = write.clone();
            move |batch| send::insert_messages(write.clone(), batch)
        });
        Ok(SqliteStore {
            write,
            read,
            messages,
            members: Default::default(),
            _checkpoints: checkpoints,
        })
    }

    async fn members(
        &self,
        viewer: UserId,
        only: Option<ConversationId>,
    ) -> DbResult<Vec<(ConversationId, User, i64)>> {
        let rows = sqlx::query(
            "SELECT m.conversation_id, m.read_seq, u.id, u.display_name, u.photo_url
             FROM user_conversations mine
             JOIN user_conversations m ON m.conversation_id = mine.conversation_id
             JOIN users u ON u.id = m.user_id
             WHERE mine.user_id = ?1 AND (?2 IS NULL OR mine.conversation_id = ?2)
             ORDER BY u.id",
        )
        .bind(viewer.0)
        .bind(only.map(|c| c.to_string()))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    conversation_id(r, "conversation_id")?,
                    user(r)?,
                    r.try_get("read_seq")?,
                ))
            })
            .collect()
    }

    async fn last_messages(
        &self,
        viewer: UserId,
        only: Option<ConversationId>,
    ) -> DbResult<Vec<Message>> {
        // The newest message that is not deleted: the list shows what can still be read.
        let rows = sqlx::query(&format!(
            "{SELECT_MESSAGES}
             JOIN user_conversations mine ON mine.conversation_id = m.conversation_id
             WHERE mine.user_id = ?1 AND (?2 IS NULL OR mine.conversation_id = ?2)
               AND m.id = (SELECT x.id FROM messages x
                            WHERE x.conversation_id = mine.conversation_id AND NOT x.deleted
                            ORDER BY x.seq DESC LIMIT 1)"
        ))
        .bind(viewer.0)
        .bind(only.map(|c| c.to_string()))
        .fetch_all(&self.read)
        .await?;
        let mut last = rows.iter().map(message).collect::<DbResult<Vec<_>>>()?;
        self.with_reactions(&mut last).await?;
        Ok(last)
    }

    async fn conversation_rows(
        &self,
        viewer: UserId,
        only: Option<ConversationId>,
    ) -> DbResult<Vec<ConversationRow>> {
        let rows = sqlx::query(
            "SELECT c.id, c.kind, c.title, c.last_seq, c.rev, c.updated_at, mine.read_seq,
                    (SELECT count(*) FROM messages d
                      WHERE d.conversation_id = c.id AND d.deleted = 1 AND d.seq > mine.read_seq) AS deleted_unread
             FROM user_conversations mine
             JOIN conversations c ON c.id = mine.conversation_id
             WHERE mine.user_id = ?1 AND (?2 IS NULL OR mine.conversation_id = ?2)
             ORDER BY c.updated_at DESC, c.id",
        )
        .bind(viewer.0)
        .bind(only.map(|c| c.to_string()))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConversationRow {
                    id: conversation_id(r, "id")?,
                    kind: parse_kind(r.try_get("kind")?),
                    title: r.try_get("title")?,
                    last_seq: r.try_get("last_seq")?,
                    read_seq: r.try_get("read_seq")?,
                    deleted_unread: r.try_get("deleted_unread")?,
                    rev: r.try_get("rev")?,
                    updated_at: Timestamp(r.try_get("updated_at")?),
                })
            })
            .collect()
    }

    pub(super) async fn load(
        &self,
        viewer: UserId,
        only: Option<ConversationId>,
    ) -> DbResult<Vec<Conversation>> {
        let rows = self.conversation_rows(viewer, only).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let members = self.members(viewer, only).await?;
        let last = self.last_messages(viewer, only).await?;
        Ok(assemble(rows, members, last))
    }
}

/// Writes a consistent copy of the database at `url` to the new file `to`, while a server may
/// be using it: `VACUUM INTO` reads one snapshot (WAL lets writers go on meanwhile).
pub async fn backup(url: &str, to: &std::path::Path) -> DbResult<()> {
    use sqlx::Connection;
    let options = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .busy_timeout(Duration::from_secs(30));
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    sqlx::query("VACUUM INTO ?1")
        .bind(to.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
