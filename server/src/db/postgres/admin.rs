//! Admission, admins and invitations (PostgreSQL): sign-ups take a transaction-scoped advisory
//! lock, so two processes cannot both create "the first account".

use super::super::admin::*;
use super::*;

/// The advisory lock sign-ups serialise on (any constant of our own).
const SIGN_UP_LOCK: i64 = 0x4c55_4353_6164_6d31;

#[async_trait]
impl Admin for PgStore {
    async fn admit_user(
        &self,
        new: NewUser,
        admission: Admission<'_>,
        now: Timestamp,
    ) -> DbResult<UserRecord> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SIGN_UP_LOCK)
            .execute(&mut *tx)
            .await?;
        let first: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&mut *tx)
            .await?;
        if !first {
            match admission {
                Admission::Open => {}
                Admission::Closed => return Err(DbError::Conflict(CLOSED)),
                Admission::Invite(None) => return Err(DbError::Conflict(NEEDS_INVITE)),
                Admission::Invite(Some(code)) => {
                    let used: Option<String> = sqlx::query_scalar(
                        "UPDATE invites SET uses = uses + 1
                         WHERE code = $1 AND uses < max_uses AND expires_at > $2
                         RETURNING code",
                    )
                    .bind(code)
                    .bind(to_datetime(now))
                    .fetch_optional(&mut *tx)
                    .await?;
                    if used.is_none() {
                        return Err(DbError::Conflict(BAD_INVITE));
                    }
                }
            }
        }
        let row = sqlx::query(
            "INSERT INTO users (email, email_key, display_name, name_key, password_hash, created_at, admin)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING id, email, display_name, photo_url, password_hash, admin, disabled",
        )
        .bind(&new.email)
        .bind(shared::validate::email_key(&new.email))
        .bind(&new.display_name)
        .bind(shared::validate::search_key(&new.display_name))
        .bind(&new.password_hash.0)
        .bind(to_datetime(now))
        .bind(first)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, "users.email"))?;
        let user = user_record(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn has_accounts(&self) -> DbResult<bool> {
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&self.pool)
            .await?;
        Ok(any)
    }

    async fn accounts(&self) -> DbResult<Vec<AccountRow>> {
        let rows = sqlx::query(
            "SELECT id, display_name, email, admin, disabled, created_at FROM users ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccountRow {
                    id: UserId(row.try_get("id")?),
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    admin: row.try_get("admin")?,
                    disabled: row.try_get("disabled")?,
                    created_at: timestamp(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn set_admin(&self, user: UserId, admin: bool) -> DbResult<()> {
        let done = sqlx::query("UPDATE users SET admin = $2 WHERE id = $1")
            .bind(user.0)
            .bind(admin)
            .execute(&self.pool)
            .await?;
        found(done.rows_affected())
    }

    async fn set_disabled(&self, user: UserId, disabled: bool) -> DbResult<()> {
        let done = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
            .bind(user.0)
            .bind(disabled)
            .execute(&self.pool)
            .await?;
        found(done.rows_affected())
    }

    async fn disabled_among(&self, users: &[UserId]) -> DbResult<Vec<UserId>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let disabled: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE disabled AND id = ANY($1)")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        Ok(disabled.into_iter().map(UserId).collect())
    }

    async fn create_invite(&self, invite: &InviteRow, now: Timestamp) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO invites (code, created_by, max_uses, uses, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&invite.code)
        .bind(invite.created_by.0)
        .bind(invite.max_uses as i32)
        .bind(invite.uses as i32)
        .bind(to_datetime(invite.expires_at))
        .bind(to_datetime(now))
        .execute(&self.pool)
        .await
        .map_err(|e| unique_violation(e, "invites.code"))?;
        Ok(())
    }

    async fn invites(&self) -> DbResult<Vec<InviteRow>> {
        let rows = sqlx::query(
            "SELECT code, created_by, max_uses, uses, expires_at FROM invites
             ORDER BY created_at DESC, code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InviteRow {
                    code: row.try_get("code")?,
                    created_by: UserId(row.try_get("created_by")?),
                    max_uses: i64::from(row.try_get::<i32, _>("max_uses")?),
                    uses: i64::from(row.try_get::<i32, _>("uses")?),
                    expires_at: timestamp(row, "expires_at")?,
                })
            })
            .collect()
    }

    async fn delete_invite(&self, code: &str) -> DbResult<()> {
        let done = sqlx::query("DELETE FROM invites WHERE code = $1")
            .bind(code)
            .execute(&self.pool)
            .await?;
        found(done.rows_affected())
    }
}
