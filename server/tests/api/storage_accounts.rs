//! The storage conformance suite, accounts side: people, profiles, search, sessions and
//! uploads, against SQLite and PostgreSQL (conversations and messages are in `storage.rs`).

use crate::helpers::both;
use crate::storage::{new_user, store, users, Fixture};
use server::db::{DbError, PasswordHash};
use shared::UserId;
use uuid::Uuid;

both!(store =>
    users_are_unique_by_email_in_any_case,
    users_are_found_by_id_and_email,
    profiles_change_name_and_password,
    a_new_photo_replaces_the_old_one,
    search_is_unicode_aware_and_puts_prefixes_first,
    search_takes_wildcards_literally,
    sessions_live_until_revoked_or_expired,
    uploads_remember_their_owner,
);

async fn users_are_unique_by_email_in_any_case(f: Fixture) {
    let ana =
        f.db.create_user(new_user("Ana@Example.com", "Ana"))
            .await
            .unwrap();
    assert_eq!(ana.email, "Ana@Example.com", "kept as typed");
    let again =
        f.db.create_user(new_user("ana@example.COM", "Other Ana"))
            .await;
    assert!(
        matches!(again, Err(DbError::Conflict("users.email"))),
        "{again:?}"
    );
    assert_eq!(
        f.db.user_by_email("ANA@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        ana.id
    );
}

async fn users_are_found_by_id_and_email(f: Fixture) {
    let ids = users(&f.db, 3).await;
    let found = f.db.user_by_id(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (found.display_name.as_str(), found.email.as_str()),
        ("User 1", "u1@example.com")
    );
    assert!(f.db.user_by_id(UserId(999_999)).await.unwrap().is_none());
    assert!(f
        .db
        .user_by_email("nobody@example.com")
        .await
        .unwrap()
        .is_none());
    let mut some =
        f.db.users_by_ids(&[ids[0], ids[2], UserId(999_999)])
            .await
            .unwrap();
    some.sort_by_key(|u| u.id);
    assert_eq!(
        some.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
}

async fn profiles_change_name_and_password(f: Fixture) {
    let ids = users(&f.db, 1).await;
    let renamed =
        f.db.update_user(ids[0], Some("Renamed"), None)
            .await
            .unwrap();
    assert_eq!(renamed.display_name, "Renamed");
    assert_eq!(renamed.password_hash.0, "$2b$04$notarealhash", "untouched");
    let rehashed =
        f.db.update_user(ids[0], None, Some(&PasswordHash("new-hash".into())))
            .await
            .unwrap();
    assert_eq!(
        (
            rehashed.display_name.as_str(),
            rehashed.password_hash.0.as_str()
        ),
        ("Renamed", "new-hash")
    );
    assert_eq!(
        f.db.search_users("renamed", UserId(0), 10)
            .await
            .unwrap()
            .len(),
        1,
        "search follows the new name"
    );
    assert!(matches!(
        f.db.update_user(UserId(424_242), Some("x"), None).await,
        Err(DbError::NotFound)
    ));
}

async fn a_new_photo_replaces_the_old_one(f: Fixture) {
    let ids = users(&f.db, 1).await;
    assert_eq!(
        f.db.set_photo(ids[0], "/uploads/a.jpg").await.unwrap(),
        None
    );
    assert_eq!(
        f.db.set_photo(ids[0], "/uploads/b.jpg")
            .await
            .unwrap()
            .as_deref(),
        Some("/uploads/a.jpg")
    );
    assert_eq!(
        f.db.user_by_id(ids[0])
            .await
            .unwrap()
            .unwrap()
            .photo_url
            .as_deref(),
        Some("/uploads/b.jpg")
    );
    assert!(matches!(
        f.db.set_photo(UserId(424_242), "/uploads/c.jpg").await,
        Err(DbError::NotFound)
    ));
}

async fn search_is_unicode_aware_and_puts_prefixes_first(f: Fixture) {
    let mut ids = Vec::new();
    for (i, name) in ["Marie Élodie", "Élodie Durand", "Zoé", "Bob", "élodie b"]
        .iter()
        .enumerate()
    {
        ids.push(
            f.db.create_user(new_user(&format!("s{i}@example.com"), name))
                .await
                .unwrap()
                .id,
        );
    }
    let names = |users: Vec<shared::User>| {
        users
            .into_iter()
            .map(|u| u.display_name)
            .collect::<Vec<_>>()
    };
    let key = shared::validate::search_key("ÉLODIE");
    let found = names(f.db.search_users(&key, UserId(0), 20).await.unwrap());
    assert_eq!(
        found,
        vec!["élodie b", "Élodie Durand", "Marie Élodie"],
        "prefix matches first, then by name"
    );
    let found = names(f.db.search_users(&key, ids[1], 20).await.unwrap());
    assert_eq!(
        found,
        vec!["élodie b", "Marie Élodie"],
        "the caller is left out"
    );
    assert_eq!(
        f.db.search_users(&key, UserId(0), 1).await.unwrap().len(),
        1,
        "limited"
    );
    assert_eq!(
        names(f.db.search_users("zo", UserId(0), 20).await.unwrap()),
        vec!["Zoé"],
        "short queries too"
    );
    assert_eq!(
        names(f.db.search_users("ob", UserId(0), 20).await.unwrap()),
        vec!["Bob"],
        "substrings too"
    );
    assert!(f
        .db
        .search_users("nobody", UserId(0), 20)
        .await
        .unwrap()
        .is_empty());
}

async fn search_takes_wildcards_literally(f: Fixture) {
    f.db.create_user(new_user("w1@example.com", "100% real"))
        .await
        .unwrap();
    f.db.create_user(new_user("w2@example.com", "snake_case"))
        .await
        .unwrap();
    f.db.create_user(new_user("w3@example.com", "plain name"))
        .await
        .unwrap();
    for (query, expected) in [
        ("%", 1),
        ("_", 1),
        ("0% r", 1),
        ("e_c", 1),
        ("\\", 0),
        ("\"", 0),
    ] {
        let found = f.db.search_users(query, UserId(0), 20).await.unwrap();
        assert_eq!(found.len(), expected, "{query:?}: {found:?}");
    }
}

async fn sessions_live_until_revoked_or_expired(f: Fixture) {
    let ids = users(&f.db, 2).await;
    let later = shared::Timestamp(chrono::Utc::now().timestamp_millis() + 60_000);
    let earlier = shared::Timestamp(chrono::Utc::now().timestamp_millis() - 1);
    let (a, b, c, expired) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    f.db.create_session(a, ids[0], later).await.unwrap();
    f.db.create_session(b, ids[0], later).await.unwrap();
    f.db.create_session(c, ids[1], later).await.unwrap();
    f.db.create_session(expired, ids[1], earlier).await.unwrap();
    assert_eq!(
        f.db.session_user(a, ids[0]).await.unwrap().unwrap().id,
        ids[0]
    );
    assert!(
        f.db.session_user(a, ids[1]).await.unwrap().is_none(),
        "a session is its own user's only"
    );
    assert!(
        f.db.session_user(expired, ids[1]).await.unwrap().is_none(),
        "expired"
    );
    f.db.delete_session(a).await.unwrap();
    assert!(
        f.db.session_user(a, ids[0]).await.unwrap().is_none(),
        "revoked"
    );
    assert!(
        f.db.session_user(b, ids[0]).await.unwrap().is_some(),
        "the other session lives on"
    );
    f.db.delete_sessions(ids[0]).await.unwrap();
    assert!(
        f.db.session_user(b, ids[0]).await.unwrap().is_none(),
        "all of the user's revoked"
    );
    assert!(
        f.db.session_user(c, ids[1]).await.unwrap().is_some(),
        "other users untouched"
    );
}

async fn uploads_remember_their_owner(f: Fixture) {
    let ids = users(&f.db, 1).await;
    let upload = server::db::UploadRecord {
        name: "abc.png".into(),
        owner_id: ids[0],
        content_type: "image/png".into(),
        width: 10,
        height: 20,
        bytes: 300,
        original_name: None,
    };
    f.db.record_upload(upload).await.unwrap();
    assert_eq!(f.db.upload_owner("abc.png").await.unwrap(), Some(ids[0]));
    assert_eq!(f.db.upload_owner("other.png").await.unwrap(), None);
}
