//! Connecting, and reading conversations as a member sees them (PostgreSQL).

use super::*;

impl PgStore {
    pub async fn connect(url: &str) -> DbResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("letuschat");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let messages = Batcher::spawn(send::BATCH, Duration::ZERO, {
            let pool = pool.clone();
            move |batch| send::insert_messages(pool.clone(), batch)
        });
        Ok(PgStore { pool, messages })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(super) async fn load(
        &self,
        viewer: UserId,
        only: Option<ConversationId>,
    ) -> DbResult<Vec<Conversation>> {
        let only = only.map(|c| c.0);
        let rows = sqlx::query(
            "SELECT c.id, c.kind, c.title, c.last_seq, c.rev, c.updated_at, mine.read_seq,
                    (SELECT count(*) FROM messages d
                      WHERE d.conversation_id = c.id AND d.deleted AND d.seq > mine.read_seq) AS deleted_unread
             FROM user_conversations mine
             JOIN conversations c ON c.id = mine.conversation_id
             WHERE mine.user_id = $1 AND ($2::uuid IS NULL OR mine.conversation_id = $2)
             ORDER BY c.updated_at DESC, c.id",
        )
        .bind(viewer.0)
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let rows = rows
            .iter()
            .map(|r| {
                Ok(ConversationRow {
                    id: ConversationId(r.try_get("id")?),
                    kind: parse_kind(r.try_get("kind")?),
                    title: r.try_get("title")?,
                    last_seq: r.try_get("last_seq")?,
                    read_seq: r.try_get("read_seq")?,
                    deleted_unread: r.try_get("deleted_unread")?,
                    rev: r.try_get("rev")?,
                    updated_at: timestamp(r, "updated_at")?,
                })
            })
            .collect::<DbResult<Vec<_>>>()?;
        let members = sqlx::query(
            "SELECT m.conversation_id, m.read_seq, u.id, u.display_name, u.photo_url
             FROM user_conversations mine
             JOIN user_conversations m ON m.conversation_id = mine.conversation_id
             JOIN users u ON u.id = m.user_id
             WHERE mine.user_id = $1 AND ($2::uuid IS NULL OR mine.conversation_id = $2)
             ORDER BY u.id",
        )
        .bind(viewer.0)
        .bind(only)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                ConversationId(r.try_get("conversation_id")?),
                user(r)?,
                r.try_get("read_seq")?,
            ))
        })
        .collect::<DbResult<Vec<_>>>()?;
        // The newest message that is not deleted: the list shows what can still be read.
        let mut last = sqlx::query(&format!(
            "{SELECT_MESSAGES}
             JOIN user_conversations mine ON mine.conversation_id = m.conversation_id
             WHERE mine.user_id = $1 AND ($2::uuid IS NULL OR mine.conversation_id = $2)
               AND m.id = (SELECT x.id FROM messages x
                            WHERE x.conversation_id = mine.conversation_id AND NOT x.deleted
                            ORDER BY x.seq DESC LIMIT 1)"
        ))
        .bind(viewer.0)
        .bind(only)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(message)
        .collect::<DbResult<Vec<_>>>()?;
        self.with_reactions(&mut last).await?;
        Ok(assemble(rows, members, last))
    }
}
