//! Group commit: messages stored together must behave exactly as messages stored one by one.

use crate::helpers::both;
use crate::storage::{new_user, store, users, Fixture};
use server::db::{Created, DbError, HistoryQuery, NewMessage, Stored};
use shared::UserId;
use uuid::Uuid;

both!(store => a_burst_keeps_order_idempotency_and_membership);
both!(store => members_read_with_a_batch_are_those_at_its_commit);

async fn a_burst_keeps_order_idempotency_and_membership(f: Fixture) {
    let mut ids = Vec::new();
    for i in 0..4 {
        let user =
            f.db.create_user(new_user(&format!("b{i}@example.com"), &format!("B {i}")))
                .await
                .unwrap();
        ids.push(user.id);
    }
    let (a, b, outsider) = (ids[0], ids[1], ids[3]);
    let group = f.db.create_group(a, &[b, ids[2]], None).await.unwrap();
    let other = f.db.create_group(b, &[a, ids[2]], None).await.unwrap();
    let send = |conversation_id, sender: UserId, client_id| NewMessage {
        conversation_id,
        sender_id: sender,
        client_id,
        text: format!("from {}", sender.0),
        img: None,
        reply_to: None,
        file: None,
    };
    // 200 messages at once over two conversations, each client_id sent twice, and an outsider.
    let mut burst = Vec::new();
    let mut keys = Vec::new();
    for i in 0..100 {
        let (conversation, sender) = if i % 2 == 0 { (group, a) } else { (other, b) };
        let key = Uuid::new_v4();
        keys.push(key);
        burst.push(send(conversation, sender, key));
        burst.push(send(conversation, sender, key));
        if i % 10 == 0 {
            burst.push(send(group, outsider, Uuid::new_v4()));
        }
    }
    let results = futures_util::future::join_all(burst.iter().cloned().map(|m| {
        let db = f.db.clone();
        async move { db.insert_message(m).await }
    }))
    .await;
    let mut new = 0;
    for (sent, result) in burst.iter().zip(&results) {
        match result {
            Ok((message, created)) => {
                assert_eq!(message.client_id, sent.client_id);
                assert_eq!(message.conversation_id, sent.conversation_id);
                new += (*created == Created::New) as usize;
            }
            Err(DbError::NotFound) => assert_eq!(sent.sender_id, outsider),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(new, 100, "each client_id stored once");
    for conversation in [group, other] {
        let (messages, _) =
            f.db.messages(
                conversation,
                HistoryQuery {
                    before: None,
                    after: Some(0),
                    limit: 100,
                },
            )
            .await
            .unwrap();
        let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
        assert!(messages.iter().all(|m| m.sender_id != outsider));
    }
    // Both copies of a client_id got the very same stored message.
    let mut by_key = std::collections::HashMap::new();
    for (message, _) in results.iter().flatten() {
        let first = by_key.entry(message.client_id).or_insert(message.id);
        assert_eq!(*first, message.id);
    }
    assert_eq!(by_key.len(), keys.len());
    // The sender's own messages count as read.
    let conversation = f.db.conversation(group, a).await.unwrap().unwrap();
    assert_eq!(conversation.unread_count, 0);
}

async fn members_read_with_a_batch_are_those_at_its_commit(f: Fixture) {
    let ids = users(&f.db, 4).await;
    let group =
        f.db.create_group(ids[0], &[ids[1], ids[2]], None)
            .await
            .unwrap();
    let other = f.db.create_group(ids[1], &[ids[3]], None).await.unwrap();
    let send = |conversation_id, sender_id| NewMessage {
        conversation_id,
        sender_id,
        client_id: Uuid::new_v4(),
        text: "hello".into(),
        img: None,
        reply_to: None,
        file: None,
    };
    f.db.leave(group, ids[2]).await.unwrap();
    // Several messages in two conversations at once, so that they share batches.
    let burst: Vec<NewMessage> = (0..20)
        .map(|i| {
            if i % 2 == 0 {
                send(group, ids[0])
            } else {
                send(other, ids[3])
            }
        })
        .collect();
    let results = futures_util::future::join_all(burst.iter().cloned().map(|m| {
        let db = f.db.clone();
        async move { db.store_message(m).await.unwrap() }
    }))
    .await;
    for Stored {
        message,
        created,
        members,
    } in &results
    {
        assert_eq!(*created, Created::New);
        let now = f.db.member_ids(message.conversation_id).await.unwrap();
        let expected = if message.conversation_id == group {
            vec![ids[0], ids[1]]
        } else {
            vec![ids[1], ids[3]]
        };
        assert_eq!(now, expected);
        match members {
            Some(members) => assert_eq!(*members, expected, "the one who left is not told"),
            // SQLite leaves them to its member cache.
            None => assert_eq!(f.db.backend(), "sqlite"),
        }
    }
    // A repeat is not delivered again, so it carries no members.
    let again = f.db.store_message(burst[0].clone()).await.unwrap();
    assert_eq!((again.created, again.members), (Created::Existing, None));
}
