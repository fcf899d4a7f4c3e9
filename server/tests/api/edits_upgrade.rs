//! Migration 0006 upgrades a database the current release made (migrations 0001 to 0005) with
//! people and messages in it: every message keeps its place and becomes its conversation's
//! change number `seq`, and changes go on from there.

use crate::helpers::{Backend, TestDatabase};
use server::db::NewMessage;
use shared::{ConversationId, MessageId, UserId};

const DIRECT: &str = "0b7f6c2c-9f55-4a3e-8a59-2b9d7d1e4c11";

/// The release's database (migrations before 0006) with people and messages in it.
async fn released_database(backend: Backend) -> TestDatabase {
    let mut seed = vec![
        "INSERT INTO users (id, email, email_key, display_name, name_key, password_hash, created_at, admin)
         VALUES (1, 'ana@example.com', 'ana@example.com', 'Ana', 'ana', 'x', CREATED, true),
                (2, 'bob@example.com', 'bob@example.com', 'Bob', 'bob', 'x', CREATED, false)"
            .to_owned(),
        format!(
            "INSERT INTO conversations (id, kind, direct_low, direct_high, last_seq, created_at, updated_at)
             VALUES ('{DIRECT}', 'direct', 1, 2, 3, CREATED, CREATED)"
        ),
        format!(
            "INSERT INTO user_conversations (conversation_id, user_id, read_seq, joined_at)
             VALUES ('{DIRECT}', 1, 3, CREATED), ('{DIRECT}', 2, 1, CREATED)"
        ),
    ];
    for seq in 1..=3 {
        seed.push(format!(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, text, created_at)
             VALUES ('6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d1{seq}', '{DIRECT}', {seq}, 1,
                     '7f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d1{seq}', 'old {seq}', CREATED)"
        ));
    }
    crate::released::database_at(backend, 5, &seed).await
}

async fn upgrade_keeps_messages_and_numbers_their_changes(backend: Backend) {
    let database = released_database(backend).await;
    let store = server::db::connect(&database.url).await.expect("upgrades");
    let conversation = ConversationId(DIRECT.parse().unwrap());
    let (all, more) = store.changed_after(conversation, 0, 100).await.unwrap();
    assert!(!more);
    assert_eq!(
        all.iter()
            .map(|m| (m.seq, m.rev, m.text.as_str(), m.deleted))
            .collect::<Vec<_>>(),
        [
            (1, 1, "old 1", false),
            (2, 2, "old 2", false),
            (3, 3, "old 3", false)
        ]
    );
    let bob = store
        .conversation(conversation, UserId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((bob.rev, bob.unread_count), (3, 2));
    assert_eq!(bob.last_message.unwrap().text, "old 3");

    // Changes go on from the old numbers.
    let first = MessageId("6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d11".parse().unwrap());
    let edit = store
        .edit_message(conversation, first, UserId(1), "old 1, edited")
        .await
        .unwrap();
    assert_eq!(edit.changed, [first]);
    let (sent, _) = store
        .insert_message(NewMessage {
            conversation_id: conversation,
            sender_id: UserId(1),
            client_id: uuid::Uuid::new_v4(),
            text: "new".into(),
            img: None,
            reply_to: Some(first),
            file: None,
        })
        .await
        .unwrap();
    assert_eq!((sent.seq, sent.rev), (4, 5));
    store
        .react(conversation, first, UserId(2), "👍", "👍")
        .await
        .unwrap();
    let (changed, _) = store.changed_after(conversation, 3, 100).await.unwrap();
    assert_eq!(
        changed.iter().map(|m| (m.seq, m.rev)).collect::<Vec<_>>(),
        [(4, 5), (1, 6)]
    );
    assert_eq!(changed[1].reactions[0].user_ids, [UserId(2)]);
    let third = MessageId("6f1c1f3e-2a55-4d2e-9a53-3f5a8f1f2d13".parse().unwrap());
    store
        .delete_message(conversation, third, UserId(1))
        .await
        .unwrap();
    let bob = store
        .conversation(conversation, UserId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (bob.rev, bob.unread_count),
        (7, 2),
        "seq 2 and 4 are unread; the deleted seq 3 is not"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_messages_and_numbers_their_changes_on_sqlite() {
    upgrade_keeps_messages_and_numbers_their_changes(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_messages_and_numbers_their_changes_on_postgres() {
    upgrade_keeps_messages_and_numbers_their_changes(Backend::Postgres).await
}
