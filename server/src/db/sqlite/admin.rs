//! Admission, admins and invitations (SQLite): written through the one writer, so a sign-up's
//! "is this the first account" check and its insert cannot interleave with another's.

use super::super::admin::*;
use super::*;

#[async_trait]
impl Admin for SqliteStore {
    async fn admit_user(
        &self,
        new: NewUser,
        admission: Admission<'_>,
        now: Timestamp,
    ) -> DbResult<UserRecord> {
        let mut tx = self.write.begin().await?;
        let first: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&mut *tx)
            .await?;
        if !first {
            match admission {
                Admission::Open => {}
                Admission::Closed => return Err(DbError::Conflict(CLOSED)),
                Admission::Invite(None) => return Err(DbError::Conflict(NEEDS_INVITE)),
                Admission::Invite(Some(code)) => {
                    let used: Option<String> = sqlx::query_scalar(USE_INVITE)
                        .bind(code)
                        .bind(now.0)
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             RETURNING id, email, display_name, photo_url, password_hash, admin, disabled",
        )
        .bind(&new.email)
        .bind(shared::validate::email_key(&new.email))
        .bind(&new.display_name)
        .bind(shared::validate::search_key(&new.display_name))
        .bind(&new.password_hash.0)
        .bind(now.0)
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
            .fetch_one(&self.read)
            .await?;
        Ok(any)
    }

    async fn accounts(&self) -> DbResult<Vec<AccountRow>> {
        let rows = sqlx::query(
            "SELECT id, display_name, email, admin, disabled, created_at FROM users ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccountRow {
                    id: UserId(row.try_get("id")?),
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    admin: row.try_get("admin")?,
                    disabled: row.try_get("disabled")?,
                    created_at: Timestamp(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    async fn set_admin(&self, user: UserId, admin: bool) -> DbResult<()> {
        let done = sqlx::query("UPDATE users SET admin = ?2 WHERE id = ?1")
            .bind(user.0)
            .bind(admin)
            .execute(&self.write)
            .await?;
        found(done.rows_affected())
    }

    async fn set_disabled(&self, user: UserId, disabled: bool) -> DbResult<()> {
        let done = sqlx::query("UPDATE users SET disabled = ?2 WHERE id = ?1")
            .bind(user.0)
            .bind(disabled)
            .execute(&self.write)
            .await?;
        found(done.rows_affected())
    }

    async fn disabled_among(&self, users: &[UserId]) -> DbResult<Vec<UserId>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let disabled: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE disabled AND id IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(&ids).expect("ids serialise"))
        .fetch_all(&self.read)
        .await?;
        Ok(disabled.into_iter().map(UserId).collect())
    }

    async fn create_invite(&self, invite: &InviteRow, now: Timestamp) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO invites (code, created_by, max_uses, uses, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(&invite.code)
        .bind(invite.created_by.0)
        .bind(invite.max_uses)
        .bind(invite.uses)
        .bind(invite.expires_at.0)
        .bind(now.0)
        .execute(&self.write)
        .await
        .map_err(|e| unique_violation(e, "invites.code"))?;
        Ok(())
    }

    async fn invites(&self) -> DbResult<Vec<InviteRow>> {
        let rows = sqlx::query(
            "SELECT code, created_by, max_uses, uses, expires_at FROM invites
             ORDER BY created_at DESC, code",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InviteRow {
                    code: row.try_get("code")?,
                    created_by: UserId(row.try_get("created_by")?),
                    max_uses: row.try_get("max_uses")?,
                    uses: row.try_get("uses")?,
                    expires_at: Timestamp(row.try_get("expires_at")?),
                })
            })
            .collect()
    }

    async fn delete_invite(&self, code: &str) -> DbResult<()> {
        let done = sqlx::query("DELETE FROM invites WHERE code = ?1")
            .bind(code)
            .execute(&self.write)
            .await?;
        found(done.rows_affected())
    }
}
