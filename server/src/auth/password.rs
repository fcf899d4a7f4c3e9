//! Password hashing with bcrypt. bcrypt reads only the first 72 bytes of its input, so the
//! password is first hashed with SHA-256 (base64, 44 bytes): every byte of a long passphrase
//! counts. Hashing runs on the blocking pool, never on the async runtime.

use crate::db::PasswordHash;
use crate::error::AppError;
use base64::Engine;
use sha2::{Digest, Sha256};

fn prehash(password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(password.as_bytes()))
}

pub async fn hash(password: String, cost: u32) -> Result<PasswordHash, AppError> {
    tokio::task::spawn_blocking(move || bcrypt::hash(prehash(&password), cost))
        .await
        .map_err(AppError::internal)?
        .map(PasswordHash)
        .map_err(AppError::internal)
}

/// `false` for a wrong password and for a hash that cannot be read.
pub async fn verify(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || bcrypt::verify(prehash(&password), &hash).unwrap_or(false))
        .await
        .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let hashed = hash("correct horse".into(), 4).await.unwrap();
        assert!(hashed.0.starts_with("$2"));
        assert!(verify("correct horse".into(), hashed.0.clone())
            .await
            .unwrap());
        assert!(!verify("correct horsE".into(), hashed.0.clone())
            .await
            .unwrap());
        assert!(!verify("correct horse".into(), "not a hash".into())
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn bytes_past_the_72nd_still_count() {
        let common = "p".repeat(72);
        let hashed = hash(format!("{common}-first"), 4).await.unwrap();
        assert!(verify(format!("{common}-first"), hashed.0.clone())
            .await
            .unwrap());
        assert!(!verify(format!("{common}-second"), hashed.0).await.unwrap());
        let long = "long passphrase ".repeat(64);
        assert!(long.len() >= 1024);
        let hashed = hash(long.clone(), 4).await.unwrap();
        assert!(verify(long, hashed.0).await.unwrap());
    }
}
