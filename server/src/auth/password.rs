//! Password hashing with bcrypt, and refusing passwords that are too easy to guess. bcrypt reads
//! only the first 72 bytes of its input, so the password is first hashed with SHA-256 (base64,
//! 44 bytes): every byte of a long passphrase counts. Hashing runs on the blocking pool, never
//! on the async runtime.
//!
//! The list of common passwords is Django's (`django/contrib/auth/common-passwords.txt.gz`,
//! BSD licence: Royce Williams's 20,000 most common passwords, lowercased), cut to those of 8
//! characters or more, since shorter ones are refused anyway, and to ASCII. It stays on the
//! server: 80 KB the browser's first load has no room for.

use crate::db::PasswordHash;
use crate::error::AppError;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::LazyLock;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().collect());

/// Why a new password (already within `shared::validate::password`'s length rules) is too easy
/// to guess, or `None`. Case does not matter: "PassWord1" is as common as "password1".
pub fn weakness(password: &str) -> Option<&'static str> {
    let mut chars = password.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Some("Use more than one repeated character.");
        }
    }
    let key = password.trim().to_lowercase();
    COMMON
        .contains(key.as_str())
        .then_some("This password is too common; choose another.")
}

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

    #[test]
    fn common_and_repeated_passwords_are_refused() {
        for weak in [
            "password",
            "12345678",
            "PassWord1",
            " iloveyou ",
            "qwertyuiop",
        ] {
            assert_eq!(
                weakness(weak),
                Some("This password is too common; choose another."),
                "{weak}"
            );
        }
        for repeated in ["aaaaaaaa", "zzzzzzzzzzzzzzzzzzzzzz", "éééééééé"] {
            assert_eq!(
                weakness(repeated),
                Some("Use more than one repeated character."),
                "{repeated}"
            );
        }
        for fine in ["correct horse battery", "loadgen-password-1", "x7#Lq9!vTw"] {
            assert_eq!(weakness(fine), None, "{fine}");
        }
        assert!(COMMON.len() > 8000, "the whole list is read");
        assert!(COMMON.iter().all(|p| p.chars().count() >= 8));
    }

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
