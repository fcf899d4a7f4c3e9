//! Why a session ended, as the chat tells the sign-in page (`/login?ended=signed_out`): a fixed
//! word in the address and a fixed sentence on the page, so that an address can never put words
//! of its own there.

use shared::ws::CloseCode;

const ENDED: [(CloseCode, &str, &str); 2] = [
    (CloseCode::SignedOut, "signed_out", "You were signed out."),
    (
        CloseCode::PasswordChanged,
        "password_changed",
        "Your password was changed; sign in again.",
    ),
];

/// The sign-in page, saying why the session ended.
pub fn ended_path(why: CloseCode) -> String {
    match ENDED.iter().find(|(code, ..)| *code == why) {
        Some((_, word, _)) => format!("/login?ended={word}"),
        None => "/login".into(),
    }
}

/// The sentence for the `ended` word in a query string, if it is one of ours.
pub fn ended_sentence(query: &str) -> Option<&'static str> {
    let word = crate::param(query, "ended")?;
    ENDED
        .iter()
        .find(|(_, known, _)| *known == word)
        .map(|(.., sentence)| *sentence)
}

#[cfg(test)]
mod tests {
    use super::{ended_path, ended_sentence};
    use shared::ws::CloseCode;

    #[test]
    fn an_ended_session_is_told_in_a_sentence_of_our_own() {
        for (why, sentence) in [
            (CloseCode::SignedOut, "You were signed out."),
            (
                CloseCode::PasswordChanged,
                "Your password was changed; sign in again.",
            ),
        ] {
            let path = ended_path(why);
            let query = path.strip_prefix("/login?").unwrap();
            assert_eq!(ended_sentence(query), Some(sentence));
        }
        assert_eq!(ended_path(CloseCode::GoingAway), "/login");
        for query in [
            "",
            "ended=",
            "ended=You+were+hacked",
            "ended=Signed_Out",
            "x=signed_out",
        ] {
            assert_eq!(ended_sentence(query), None, "{query}");
        }
    }
}
