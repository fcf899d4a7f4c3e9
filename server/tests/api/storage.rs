//! The storage conformance suite: the same tests, unchanged, against SQLite and PostgreSQL.

use crate::helpers::{both, fresh_store, Backend, TestDatabase};
use server::db::{Created, Db, DbError, HistoryQuery, NewMessage, NewUser, PasswordHash};
use shared::{ConversationId, ConversationKind, UserId};
use std::collections::BTreeSet;
use uuid::Uuid;

/// A store on a fresh database of the given backend; the database lives as long as the value.
pub struct Fixture {
    pub db: Db,
    _database: TestDatabase,
}

pub async fn store(backend: Backend) -> Fixture {
    let (db, database) = fresh_store(backend).await;
    Fixture {
        db,
        _database: database,
    }
}

pub fn new_user(email: &str, name: &str) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: name.into(),
        password_hash: PasswordHash("$2b$04$notarealhash".into()),
    }
}

pub async fn users(db: &Db, n: usize) -> Vec<UserId> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            db.create_user(new_user(&format!("u{i}@example.com"), &format!("User {i}")))
                .await
                .unwrap()
                .id,
        );
    }
    ids
}

fn text(conversation_id: ConversationId, sender_id: UserId, text: &str) -> NewMessage {
    NewMessage {
        conversation_id,
        sender_id,
        client_id: Uuid::new_v4(),
        text: text.into(),
        img: None,
        reply_to: None,
        file: None,
    }
}

fn page(before: Option<i64>, after: Option<i64>, limit: i64) -> HistoryQuery {
    HistoryQuery {
        before,
        after,
        limit,
    }
}

both!(store =>
    a_direct_conversation_is_found_not_duplicated,
    racing_creators_of_a_direct_conversation_get_one,
    groups_hold_their_creator_and_members,
    members_to_unknown_users_are_refused,
    outsiders_see_nothing,
    messages_are_numbered_without_gaps,
    a_repeated_client_id_returns_the_first_message,
    concurrent_senders_get_distinct_gap_free_seqs,
    outsiders_cannot_send_and_nothing_is_written,
    history_pages_walk_back_and_forward,
    read_positions_drive_unread_counts,
    conversations_are_listed_by_last_activity,
);

async fn a_direct_conversation_is_found_not_duplicated(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let (first, created) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    assert_eq!(created, Created::New);
    let (second, created) = f.db.find_or_create_direct(ids[1], ids[0]).await.unwrap();
    assert_eq!((second, created), (first, Created::Existing));
    let conversation = f.db.conversation(first, ids[0]).await.unwrap().unwrap();
    assert_eq!(conversation.kind, ConversationKind::Direct);
    assert_eq!(
        conversation
            .members
            .iter()
            .map(|u| u.id)
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(conversation.title, None);
    assert_eq!(conversation.last_message, None);
    assert_eq!(conversation.unread_count, 0);
}

async fn racing_creators_of_a_direct_conversation_get_one(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let db = f.db.clone();
            let (a, b) = if i % 2 == 0 {
                (ids[0], ids[1])
            } else {
                (ids[1], ids[0])
            };
            tokio::spawn(async move { db.find_or_create_direct(a, b).await.unwrap() })
        })
        .collect();
    let mut found = BTreeSet::new();
    let mut new = 0;
    for task in tasks {
        let (id, created) = task.await.unwrap();
        found.insert(id);
        new += usize::from(created == Created::New);
    }
    assert_eq!(found.len(), 1, "one conversation for the pair");
    assert_eq!(new, 1, "created exactly once");
    assert_eq!(f.db.conversations(ids[0]).await.unwrap().len(), 1);
}

async fn groups_hold_their_creator_and_members(f: Fixture) {
    let ids = users(&f.db, 4).await;
    let id =
        f.db.create_group(ids[0], &[ids[2], ids[1], ids[2]], Some("Team"))
            .await
            .unwrap();
    let group = f.db.conversation(id, ids[1]).await.unwrap().unwrap();
    assert_eq!(group.kind, ConversationKind::Group);
    assert_eq!(group.title.as_deref(), Some("Team"));
    assert_eq!(
        group.members.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![ids[0], ids[1], ids[2]]
    );
    assert_eq!(
        f.db.member_ids(id).await.unwrap(),
        vec![ids[0], ids[1], ids[2]]
    );
    assert!(f.db.is_member(id, ids[0]).await.unwrap());
    assert!(!f.db.is_member(id, ids[3]).await.unwrap());
}

async fn members_to_unknown_users_are_refused(f: Fixture) {
    let ids = users(&f.db, 1).await;
    let direct = f.db.find_or_create_direct(ids[0], UserId(424_242)).await;
    assert!(matches!(direct, Err(DbError::NotFound)), "{direct:?}");
    let group = f.db.create_group(ids[0], &[UserId(424_242)], None).await;
    assert!(matches!(group, Err(DbError::NotFound)), "{group:?}");
    assert!(
        f.db.conversations(ids[0]).await.unwrap().is_empty(),
        "nothing half-made"
    );
}

async fn outsiders_see_nothing(f: Fixture) {
    let ids = users(&f.db, 3).await;
    let (id, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    assert!(f.db.conversation(id, ids[2]).await.unwrap().is_none());
    assert!(f
        .db
        .conversation(ConversationId(Uuid::new_v4()), ids[0])
        .await
        .unwrap()
        .is_none());
    assert!(f.db.conversations(ids[2]).await.unwrap().is_empty());
    assert!(matches!(
        f.db.mark_read(id, ids[2], 1).await,
        Err(DbError::NotFound)
    ));
}

async fn messages_are_numbered_without_gaps(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let (id, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    for (i, sender) in [ids[0], ids[1], ids[0]].into_iter().enumerate() {
        let (message, created) =
            f.db.insert_message(text(id, sender, &format!("m{i}")))
                .await
                .unwrap();
        assert_eq!(created, Created::New);
        assert_eq!(message.seq, i as i64 + 1);
        assert_eq!(message.sender_id, sender);
        assert_eq!(message.conversation_id, id);
        assert_eq!(message.text, format!("m{i}"));
    }
    let (history, has_more) = f.db.messages(id, page(None, None, 50)).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(!has_more);
}

async fn a_repeated_client_id_returns_the_first_message(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let (id, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    let first = text(id, ids[0], "once");
    let (original, _) = f.db.insert_message(first.clone()).await.unwrap();
    let retry = NewMessage {
        text: "changed on retry".into(),
        ..first.clone()
    };
    let (again, created) = f.db.insert_message(retry).await.unwrap();
    assert_eq!(created, Created::Existing);
    assert_eq!(again, original);
    // The same client_id from another sender is another message.
    let (other, created) =
        f.db.insert_message(NewMessage {
            sender_id: ids[1],
            ..first
        })
        .await
        .unwrap();
    assert_eq!((created, other.seq), (Created::New, 2));
    // Racing retries still make one message.
    let racing = text(id, ids[0], "race");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, m) = (f.db.clone(), racing.clone());
            tokio::spawn(async move { db.insert_message(m).await.unwrap().0 })
        })
        .collect();
    let mut seqs = BTreeSet::new();
    for task in tasks {
        seqs.insert(task.await.unwrap().seq);
    }
    assert_eq!(seqs.len(), 1, "one message for one client_id");
    let (history, _) = f.db.messages(id, page(None, None, 100)).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![1, 2, 3],
        "no gap left by the losers"
    );
}

async fn concurrent_senders_get_distinct_gap_free_seqs(f: Fixture) {
    let ids = users(&f.db, 5).await;
    let id = f.db.create_group(ids[0], &ids[1..], None).await.unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let db = f.db.clone();
            let sender = ids[i % ids.len()];
            tokio::spawn(async move {
                db.insert_message(text(id, sender, &format!("{i}")))
                    .await
                    .unwrap()
                    .0
                    .seq
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=40).collect::<Vec<i64>>());
}

async fn outsiders_cannot_send_and_nothing_is_written(f: Fixture) {
    let ids = users(&f.db, 3).await;
    let (id, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    let before = f.db.conversation(id, ids[0]).await.unwrap().unwrap();
    let refused = f.db.insert_message(text(id, ids[2], "let me in")).await;
    assert!(matches!(refused, Err(DbError::NotFound)), "{refused:?}");
    let missing =
        f.db.insert_message(text(ConversationId(Uuid::new_v4()), ids[0], "nowhere"))
            .await;
    assert!(matches!(missing, Err(DbError::NotFound)), "{missing:?}");
    let after = f.db.conversation(id, ids[0]).await.unwrap().unwrap();
    assert_eq!(after, before, "no seq taken, no activity recorded");
    let (next, _) =
        f.db.insert_message(text(id, ids[0], "first"))
            .await
            .unwrap();
    assert_eq!(next.seq, 1);
}

async fn history_pages_walk_back_and_forward(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let (id, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    for i in 1..=7 {
        f.db.insert_message(text(id, ids[0], &format!("m{i}")))
            .await
            .unwrap();
    }
    let seqs = |page: &[shared::Message]| page.iter().map(|m| m.seq).collect::<Vec<_>>();
    let (newest, more) = f.db.messages(id, page(None, None, 3)).await.unwrap();
    assert_eq!((seqs(&newest), more), (vec![5, 6, 7], true));
    let (older, more) = f.db.messages(id, page(Some(5), None, 3)).await.unwrap();
    assert_eq!((seqs(&older), more), (vec![2, 3, 4], true));
    let (oldest, more) = f.db.messages(id, page(Some(2), None, 3)).await.unwrap();
    assert_eq!((seqs(&oldest), more), (vec![1], false));
    let (caught_up, more) = f.db.messages(id, page(None, Some(3), 3)).await.unwrap();
    assert_eq!((seqs(&caught_up), more), (vec![4, 5, 6], true));
    let (rest, more) = f.db.messages(id, page(None, Some(6), 3)).await.unwrap();
    assert_eq!((seqs(&rest), more), (vec![7], false));
    let (window, _) = f.db.messages(id, page(Some(6), Some(2), 10)).await.unwrap();
    assert_eq!(seqs(&window), vec![3, 4, 5]);
    let (none, more) = f.db.messages(id, page(None, Some(7), 3)).await.unwrap();
    assert!(none.is_empty() && !more);
}

async fn read_positions_drive_unread_counts(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let (id, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    for i in 0..4 {
        f.db.insert_message(text(id, ids[0], &format!("{i}")))
            .await
            .unwrap();
    }
    let unread = |viewer| {
        let db = f.db.clone();
        async move {
            db.conversation(id, viewer)
                .await
                .unwrap()
                .unwrap()
                .unread_count
        }
    };
    assert_eq!(unread(ids[0]).await, 0, "own messages are read");
    assert_eq!(unread(ids[1]).await, 4);
    assert_eq!(f.db.mark_read(id, ids[1], 3).await.unwrap(), 3);
    assert_eq!(unread(ids[1]).await, 1);
    assert_eq!(
        f.db.mark_read(id, ids[1], 1).await.unwrap(),
        3,
        "never moves back"
    );
    assert_eq!(
        f.db.mark_read(id, ids[1], 99).await.unwrap(),
        4,
        "never past the last message"
    );
    assert_eq!(unread(ids[1]).await, 0);
    let view = f.db.conversation(id, ids[0]).await.unwrap().unwrap();
    let positions: Vec<(UserId, i64)> = view
        .read_positions
        .iter()
        .map(|r| (r.user_id, r.seq))
        .collect();
    assert_eq!(
        positions,
        vec![(ids[0], 4), (ids[1], 4)],
        "read positions, for \"Seen\""
    );
}

async fn conversations_are_listed_by_last_activity(f: Fixture) {
    let ids = users(&f.db, 3).await;
    let (with_1, _) = f.db.find_or_create_direct(ids[0], ids[1]).await.unwrap();
    let (with_2, _) = f.db.find_or_create_direct(ids[0], ids[2]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    f.db.insert_message(text(with_1, ids[1], "hello"))
        .await
        .unwrap();
    let list = f.db.conversations(ids[0]).await.unwrap();
    assert_eq!(
        list.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![with_1, with_2]
    );
    assert_eq!(
        list[0].last_message.as_ref().map(|m| m.text.as_str()),
        Some("hello")
    );
    assert_eq!(list[0].unread_count, 1);
    assert_eq!(list[1].last_message, None);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    f.db.insert_message(text(with_2, ids[0], "later"))
        .await
        .unwrap();
    let list = f.db.conversations(ids[0]).await.unwrap();
    assert_eq!(
        list.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![with_2, with_1]
    );
}
