//! Migration 0007 upgrades a database the previous release made (migrations 0001 to 0006) with
//! messages in it: they become searchable, a deleted one stays unfound, and the index follows
//! later edits and deletions.

use crate::helpers::{Backend, TestDatabase};
use server::db::SearchQuery;
use shared::{ConversationId, MessageId, UserId};

const DIRECT: &str = "0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11";
const TEXTS: [&str; 3] = [
    "Réunion demain à dix heures",
    "ВСТРЕЧА перенесена",
    "this one was deleted",
];

fn message_id(seq: usize) -> MessageId {
    MessageId(
        format!("6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d1{seq}")
            .parse()
            .unwrap(),
    )
}

/// The release's database (migrations before 0007) with messages in it.
async fn released_database(backend: Backend) -> TestDatabase {
    let mut seed = vec![
        "INSERT INTO users (id, email, email_key, display_name, name_key, password_hash, created_at, admin)
         VALUES (1, 'ana@example.com', 'ana@example.com', 'Ana', 'ana', 'x', CREATED, true),
                (2, 'bob@example.com', 'bob@example.com', 'Bob', 'bob', 'x', CREATED, false)"
            .to_owned(),
        format!(
            "INSERT INTO conversations (id, kind, direct_low, direct_high, last_seq, rev, created_at, updated_at)
             VALUES ('{DIRECT}', 'direct', 1, 2, 3, 3, CREATED, CREATED)"
        ),
        format!(
            "INSERT INTO user_conversations (conversation_id, user_id, read_seq, joined_at)
             VALUES ('{DIRECT}', 1, 3, CREATED), ('{DIRECT}', 2, 1, CREATED)"
        ),
    ];
    for (i, text) in TEXTS.iter().enumerate() {
        let seq = i + 1;
        let (text, deleted) = if seq == 3 {
            ("", "true")
        } else {
            (*text, "false")
        };
        seed.push(format!(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, created_at, rev, deleted)
             VALUES ('{}', '{DIRECT}', {seq}, 1, '7f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d1{seq}', '{text}', CREATED, {seq}, {deleted})",
            message_id(seq).0
        ));
    }
    crate::released::database_at(backend, 6, &seed).await
}

async fn upgrade_makes_old_messages_searchable(backend: Backend) {
    let database = released_database(backend).await;
    let store = server::db::connect(&database.url).await.expect("upgrades");
    let search = |text: &str, searcher: i64| SearchQuery {
        text: text.to_owned(),
        searcher: UserId(searcher),
        conversation: None,
        before: None,
        limit: 20,
    };
    let texts = |found: Vec<shared::Message>| found.into_iter().map(|m| m.text).collect::<Vec<_>>();
    for (q, expected) in [
        ("réun", vec![TEXTS[0]]),
        ("RÉUNION DEM", vec![TEXTS[0]]),
        ("встре", vec![TEXTS[1]]),
        ("deleted", vec![]),
    ] {
        let (found, more) = store.search_messages(&search(q, 2)).await.unwrap();
        assert!(!more);
        assert_eq!(texts(found), expected, "{q}");
    }

    // The index follows what happens after the upgrade.
    let conversation = ConversationId(DIRECT.parse().unwrap());
    store
        .edit_message(conversation, message_id(1), UserId(1), "Rendez-vous annulé")
        .await
        .unwrap();
    store
        .delete_message(conversation, message_id(2), UserId(1))
        .await
        .unwrap();
    assert!(texts(store.search_messages(&search("réun", 2)).await.unwrap().0).is_empty());
    assert!(texts(store.search_messages(&search("встре", 2)).await.unwrap().0).is_empty());
    assert_eq!(
        texts(store.search_messages(&search("ANNULÉ", 1)).await.unwrap().0),
        ["Rendez-vous annulé"]
    );
    assert!(texts(store.search_messages(&search("annul", 3)).await.unwrap().0).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_makes_old_messages_searchable_on_sqlite() {
    upgrade_makes_old_messages_searchable(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_makes_old_messages_searchable_on_postgres() {
    upgrade_makes_old_messages_searchable(Backend::Postgres).await
}
