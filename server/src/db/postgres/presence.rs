//! Presence (PostgreSQL).

use super::super::presence::*;
use super::*;

#[async_trait]
impl Presence for PgStore {
    async fn presence_audience(&self, user: UserId) -> DbResult<Vec<UserId>> {
        let ids = sqlx::query_scalar(AUDIENCE)
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(users(ids))
    }

    async fn presence_visible(&self, user: UserId) -> DbResult<Vec<UserId>> {
        let ids = sqlx::query_scalar(VISIBLE)
            .bind(user.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(users(ids))
    }

    async fn process_alive(&self, origin: Uuid, now: Timestamp) -> DbResult<()> {
        sqlx::query(PROCESS_ALIVE)
            .bind(origin)
            .bind(now.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn presence_join(
        &self,
        origin: Uuid,
        user: UserId,
        live_after: Timestamp,
    ) -> DbResult<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(JOIN)
            .bind(user.0)
            .bind(origin)
            .execute(&mut *tx)
            .await?;
        let elsewhere = sqlx::query_scalar(ELSEWHERE)
            .bind(user.0)
            .bind(origin)
            .bind(live_after.0)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(elsewhere)
    }

    async fn presence_leave(
        &self,
        origin: Uuid,
        user: UserId,
        live_after: Timestamp,
    ) -> DbResult<bool> {
        sqlx::query(LEAVE)
            .bind(user.0)
            .bind(origin)
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar(ELSEWHERE)
            .bind(user.0)
            .bind(origin)
            .bind(live_after.0)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn online_among(
        &self,
        candidates: &[UserId],
        live_after: Timestamp,
    ) -> DbResult<Vec<UserId>> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = candidates.iter().map(|u| u.0).collect();
        let online = sqlx::query_scalar(
            "SELECT DISTINCT p.user_id FROM presence p
             JOIN server_processes s ON s.origin = p.origin
             WHERE p.user_id = ANY($1) AND s.seen_at > $2",
        )
        .bind(&ids)
        .bind(live_after.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(users(online))
    }

    async fn sweep_processes(&self, live_after: Timestamp) -> DbResult<Vec<UserId>> {
        let mut tx = self.pool.begin().await?;
        let orphaned = sqlx::query_scalar(ORPHANED)
            .bind(live_after.0)
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query(SWEEP)
            .bind(live_after.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(users(orphaned))
    }

    async fn forget_process(&self, origin: Uuid) -> DbResult<()> {
        sqlx::query(FORGET).bind(origin).execute(&self.pool).await?;
        Ok(())
    }
}
