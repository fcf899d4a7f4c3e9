//! The browser's JSON reader against serde_json: the same values from the same text, and
//! refusals for what is not JSON of the expected shape.

use super::{from_slice, Error};
use crate::{
    Conversation, ConversationId, ConversationKind, ErrorBody, ErrorResponse, FileRef, Me, Message,
    MessageId, MessagePage, Reaction, ReadPosition, ReplyTo, Timestamp, User, UserId,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Debug;
use uuid::Uuid;

/// What serde_json writes, this reader reads back as the same value.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let text = serde_json::to_vec_pretty(value).unwrap();
    assert_eq!(&from_slice::<T>(&text).unwrap(), value);
    let text = serde_json::to_vec(value).unwrap();
    assert_eq!(&from_slice::<T>(&text).unwrap(), value);
}

/// Both readers agree on `text`: the same value, or both refuse it.
fn agree<T: DeserializeOwned + PartialEq + Debug>(text: &str) {
    let theirs = serde_json::from_str::<T>(text).ok();
    let ours = from_slice::<T>(text.as_bytes()).ok();
    assert_eq!(ours, theirs, "{text:?}");
}

fn user(id: i64) -> User {
    User {
        id: UserId(id),
        display_name: format!("Ana \"{id}\" \\ 😀 é\n"),
        photo_url: (id % 2 == 0).then(|| format!("/uploads/{id}.png")),
    }
}

fn message(seq: i64) -> Message {
    Message {
        id: MessageId(Uuid::new_v4()),
        conversation_id: ConversationId(Uuid::new_v4()),
        seq,
        sender_id: UserId(seq),
        client_id: Uuid::new_v4(),
        text: "tab\there, quote \" and slash / and nul \u{0} and \u{1F600}".into(),
        img: Some("/uploads/a.png".into()),
        created_at: Timestamp(1_764_000_000_123),
        rev: seq * 3,
        edited_at: Some(Timestamp(1_764_000_100_000)),
        deleted: false,
        reply_to: Some(ReplyTo {
            id: MessageId(Uuid::new_v4()),
            seq: 1,
            sender_id: UserId(-5),
            text: "first".into(),
        }),
        reactions: vec![
            Reaction {
                emoji: "👍🏽".into(),
                user_ids: vec![UserId(1), UserId(i64::MAX)],
            },
            Reaction {
                emoji: "❤️".into(),
                user_ids: vec![],
            },
        ],
        file: Some(FileRef {
            url: "/uploads/f".into(),
            name: "report \"final\".pdf".into(),
            content_type: "application/pdf".into(),
            bytes: u64::MAX,
        }),
    }
}

#[test]
fn every_type_the_browser_reads_comes_back_the_same() {
    round_trip(&user(1));
    round_trip(&user(2));
    round_trip(&Me {
        user: user(4),
        email: "ana@example.com".into(),
        admin: true,
    });
    round_trip(&Some(message(7)));
    round_trip(&None::<Message>);
    round_trip(&MessagePage {
        messages: vec![message(1), message(2)],
        has_more: true,
    });
    let conversation = Conversation {
        id: ConversationId(Uuid::new_v4()),
        kind: ConversationKind::Group,
        title: Some("Friday".into()),
        members: vec![user(1), user(2)],
        last_message: Some(message(9)),
        unread_count: 3,
        updated_at: Timestamp(0),
        rev: 12,
        read_positions: vec![ReadPosition {
            user_id: UserId(2),
            seq: 8,
        }],
    };
    round_trip(&vec![conversation.clone(), conversation]);
    round_trip(&ErrorResponse {
        error: ErrorBody {
            code: "validation".into(),
            message: "Check the fields.".into(),
            fields: Some(BTreeMap::from([
                ("email".to_string(), "Not an email.".to_string()),
                ("password".to_string(), "Too short.".to_string()),
            ])),
        },
    });
}

impl PartialEq for MessagePage {
    fn eq(&self, other: &Self) -> bool {
        self.messages == other.messages && self.has_more == other.has_more
    }
}

#[test]
fn unknown_fields_are_skipped_whatever_they_hold() {
    let text = r#"{"id": 3, "later": [1.5e-3, -0, {"deep": [true, false, null, "\u00e9\"x"]}, []],
        "display_name": "Bo", "n": 12.25E+2, "o": {}, "photo_url": null, "s": "\ud83d\ude00"}"#;
    let got: User = from_slice(text.as_bytes()).unwrap();
    assert_eq!(got, serde_json::from_str::<User>(text).unwrap());
    assert_eq!(got.display_name, "Bo");
}

#[test]
fn strings_read_their_escapes() {
    for text in [
        r#""plain""#,
        r#""""#,
        r#""\"\\\/\b\f\n\r\t""#,
        r#""\u00e9\u20AC\ud83d\ude00 after""#,
        r#""é€😀 raw""#,
        r#""a\nb" "#,
    ] {
        agree::<String>(text);
        assert!(from_slice::<String>(text.as_bytes()).is_ok(), "{text}");
    }
}

#[test]
fn broken_strings_are_refused() {
    for text in [
        r#""unterminated"#,
        r#""bad \x escape""#,
        r#""lone high \ud83d""#,
        r#""lone low \ude00""#,
        r#""high then not low \ud83d\u0041""#,
        r#""short \u12""#,
        "\"raw\ncontrol\"",
        "\"tab\tinside\"",
    ] {
        assert_eq!(from_slice::<String>(text.as_bytes()), Err(Error), "{text}");
        agree::<String>(text);
    }
    // Not UTF-8: refused, escaped or not.
    assert_eq!(from_slice::<String>(b"\"\xff\""), Err(Error));
    assert_eq!(from_slice::<String>(b"\"\\n\xc3\""), Err(Error));
}

#[test]
fn integers_fit_their_type_or_are_refused() {
    for text in [
        "0",
        "42",
        "-42",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "01",
        "-",
        "+1",
        "1.0",
        "1e3",
        " 7 ",
        "\"7\"",
    ] {
        agree::<i64>(text);
    }
    for text in [
        "18446744073709551615",
        "18446744073709551616",
        "-1",
        "4294967296",
    ] {
        agree::<u64>(text);
        agree::<u32>(text);
    }
    // serde_json reads "-0" as a fraction; it is 0 to an integer field here.
    assert_eq!(from_slice::<i64>(b"-0"), Ok(0));
    // serde_json reads these as fractions; this reader refuses them in a typed field.
    assert_eq!(from_slice::<f64>(b"1.5"), Err(Error));
    assert_eq!(from_slice::<f64>(b"2").unwrap(), 2.0);
}

#[test]
fn structure_errors_are_refused() {
    for text in [
        "[1,2,]",
        "[1 2]",
        "[,1]",
        "[",
        "]",
        "[1]]",
        "[1] x",
        "",
        "   ",
        "nul",
        "[true, fals]",
        "[null, 1]",
    ] {
        agree::<Vec<i64>>(text);
        agree::<Vec<Option<bool>>>(text);
    }
    for text in [
        r#"{"a": 1, "b": 2}"#,
        r#"{"a": 1,}"#,
        r#"{"a" 1}"#,
        r#"{a: 1}"#,
        r#"{1: 1}"#,
        r#"{"a": 1 "b": 2}"#,
        r#"{}"#,
        r#"{"a": }"#,
    ] {
        agree::<BTreeMap<String, i64>>(text);
    }
    for text in [
        r#"{"id": 1, "display_name": "x"}"#,
        r#"{"id": 1, "display_name": "x", "photo_url": null}"#,
        r#"{"id": "1", "display_name": "x", "photo_url": null}"#,
        r#"{"display_name": "x", "photo_url": null}"#,
        r#"[1, "x", null]"#,
        r#"null"#,
    ] {
        agree::<User>(text);
    }
}

#[test]
fn enums_are_read_by_name_or_as_one_entry() {
    for text in [
        r#""direct""#,
        r#""group""#,
        r#""Group""#,
        "1",
        "null",
        r#"{"group": null}"#,
        r#"{"group": 1}"#,
        r#"{}"#,
    ] {
        agree::<ConversationKind>(text);
    }
    // How server-rendered resources come: `Result`s.
    for text in [
        r#"{"Ok": 5}"#,
        r#"{"Err": "no"}"#,
        r#"{"Ok": 5, "Err": "no"}"#,
        r#"{"Maybe": 5}"#,
        r#""Ok""#,
        r#"{"Ok" 5}"#,
    ] {
        agree::<Result<i64, String>>(text);
    }
    round_trip(&Ok::<Option<Me>, ErrorResponse>(None));
    round_trip(&Ok::<Option<Me>, ErrorResponse>(Some(Me {
        user: user(3),
        email: "a@b.co".into(),
        admin: false,
    })));
    round_trip(&Err::<Vec<Conversation>, ErrorResponse>(ErrorResponse {
        error: ErrorBody {
            code: "unauthenticated".into(),
            message: "Sign in.".into(),
            fields: None,
        },
    }));
}

#[test]
fn nesting_is_bounded() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let within = format!(
        r#"{{"id": 1, "display_name": "x", "photo_url": null, "x": {}}}"#,
        nested(100)
    );
    assert!(from_slice::<User>(within.as_bytes()).is_ok());
    let beyond = format!(
        r#"{{"id": 1, "display_name": "x", "photo_url": null, "x": {}}}"#,
        nested(10_000)
    );
    assert_eq!(from_slice::<User>(beyond.as_bytes()), Err(Error));
}

#[test]
fn strings_without_escapes_are_borrowed() {
    let text = br#"["no escapes", "one\n"]"#;
    let words: Vec<std::borrow::Cow<'_, str>> = from_slice(text).unwrap();
    assert_eq!(words, ["no escapes", "one\n"]);
    let borrowed: &str = from_slice(br#""as it is""#).unwrap();
    assert_eq!(borrowed, "as it is");
    assert_eq!(from_slice::<&str>(br#""needs \"a copy\"""#), Err(Error));
}
