//! Session tokens: HS256 JWTs (the algorithm pinned, so `alg: none` or a swapped algorithm is
//! refused) carrying the user id and the id of a session row, which logout deletes.

use crate::config::Secret;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use shared::UserId;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (RFC 7519 wants a string here).
    pub sub: String,
    /// The session row this token stands for.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<UserId> {
        self.sub.parse().ok().map(UserId)
    }
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Keys {
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        validation.leeway = 5;
        Keys {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
        }
    }

    pub fn issue(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing does not fail")
    }

    /// The claims of a token this server signed and that has not expired.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys(secret: &str) -> Keys {
        Keys::new(&Secret::new(secret))
    }

    fn claims(exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "7".into(),
            sid: Uuid::new_v4(),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn round_trips_its_own_tokens() {
        let k = keys(&"k".repeat(32));
        let c = claims(60);
        assert_eq!(k.verify(&k.issue(&c)), Some(c.clone()));
        assert_eq!(c.user_id(), Some(UserId(7)));
    }

    #[test]
    fn refuses_expired_foreign_tampered_and_unsigned_tokens() {
        let k = keys(&"k".repeat(32));
        assert_eq!(k.verify(&k.issue(&claims(-60))), None, "expired");
        assert_eq!(
            k.verify(&keys(&"x".repeat(32)).issue(&claims(60))),
            None,
            "wrong key"
        );
        let token = k.issue(&claims(60));
        let (head, rest) = token.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let forged = b64.encode(
            serde_json::to_vec(&Claims {
                sub: "8".into(),
                ..claims(60)
            })
            .unwrap(),
        );
        assert_eq!(
            k.verify(&format!("{head}.{forged}.{sig}")),
            None,
            "tampered"
        );
        let none = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(k.verify(&format!("{none}.{forged}.")), None, "alg none");
        assert_eq!(k.verify("not.a.token"), None);
    }
}
