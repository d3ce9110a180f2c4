use std::time::Duration;

use super::{queue, waiting_client_id};
use crate::conversations::{Author, Message};
use crate::store::customers::Claim;
use crate::store::erasure::Erase;
use crate::store::writer::IndexPolicy;
use crate::store::{Error, Posted, Store};
use crate::visitors::VisitorId;

async fn say(store: &Store, visitor: VisitorId, client_id: &str, body: &str) -> Posted {
    store.say_as_visitor(visitor, client_id, body).await
}

async fn found(store: &Store, query: &str) -> usize {
    crate::search::conversations(store, query)
        .await
        .unwrap()
        .len()
}

/// The promise of client ids (a retried send stores nothing new) holds for a message that waits to be
/// indexed, after it is filed, and after the data file is opened again with messages still waiting.
#[tokio::test]
async fn a_retried_client_id_finds_its_message_while_it_waits_after_filing_and_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sodan.redb");
    let store = Store::open_queueing(&path).await;
    let v = store.create_visitor([1; 32]).await.unwrap();
    let first = say(&store, v.id, "c1", "hello there").await;
    assert_eq!(store.index_waiting().await.unwrap(), 1);
    let retried = say(&store, v.id, "c1", "hello there").await;
    assert!(retried.duplicate, "a waiting client id is found");
    assert_eq!(retried.message.id, first.message.id);
    assert_eq!(
        found(&store, "hello").await,
        1,
        "a waiting message is searched"
    );

    assert_eq!(store.file_index_queue().await.unwrap(), 1);
    assert_eq!(store.index_waiting().await.unwrap(), 0);
    let retried = say(&store, v.id, "c1", "hello there").await;
    assert!(retried.duplicate, "a filed client id is found");
    assert_eq!(
        found(&store, "hello").await,
        1,
        "a filed message is searched"
    );

    let second = say(&store, v.id, "c2", "goodbye now").await;
    store.close(Duration::from_secs(5)).await.unwrap();
    let store = Store::open_queueing(&path).await;
    assert_eq!(store.index_waiting().await.unwrap(), 1, "the queue is kept");
    let retried = say(&store, v.id, "c2", "goodbye now").await;
    assert!(retried.duplicate, "read again from the queue after opening");
    assert_eq!(retried.message.id, second.message.id);
    assert_eq!(found(&store, "goodbye").await, 1);
    assert_eq!(
        store.index_waiting().await.unwrap(),
        1,
        "retries add nothing"
    );
}

/// A batch that is not committed must not leave its client ids in the writer's memory: a send retried
/// after it is stored as new, not answered with a message that does not exist.
#[tokio::test]
async fn a_batch_that_is_not_committed_leaves_no_waiting_client_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_queueing(&dir.path().join("sodan.redb")).await;
    let lookup =
        || store.write(|txn| waiting_client_id(txn, "v1", "c9").map(|found| found.is_some()));
    assert!(!lookup().await.unwrap(), "read from the (empty) table");
    let failed = store
        .write(|txn| -> Result<(), Error> {
            let message = Message {
                id: 9,
                conversation: 1,
                seq: 1,
                author: Author::Visitor,
                body: "lost".into(),
                note: false,
                attachment: None,
                client_id: Some("c9".into()),
                created_at: 0,
            };
            queue(txn, &message, "v1")?;
            assert!(waiting_client_id(txn, "v1", "c9")?.is_some());
            panic!("a bug after the message was queued")
        })
        .await;
    assert!(failed.is_err());
    assert!(!lookup().await.unwrap(), "forgotten with its batch");
    assert_eq!(store.index_waiting().await.unwrap(), 0);
}

/// The writer files the queue when more than its limit waits, and when it has nothing else to do.
#[tokio::test]
async fn the_writer_files_when_too_many_wait_and_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let policy = IndexPolicy {
        file_below: 0,
        most_waiting: 3,
        when_idle: false,
    };
    let store = Store::open_with_policy(&dir.path().join("a.redb"), policy).await;
    let v = store.create_visitor([1; 32]).await.unwrap();
    let mut seen = Vec::new();
    for n in 0..5 {
        say(&store, v.id, &format!("c{n}"), &format!("word{n}")).await;
        seen.push(store.index_waiting().await.unwrap());
    }
    assert_eq!(seen, [1, 2, 3, 0, 1], "filed when a fourth would wait");
    assert_eq!(found(&store, "word0").await, 1);
    assert_eq!(found(&store, "word4").await, 1);

    let idle = IndexPolicy {
        file_below: 0,
        most_waiting: u64::MAX,
        when_idle: true,
    };
    let store = Store::open_with_policy(&dir.path().join("b.redb"), idle).await;
    let v = store.create_visitor([1; 32]).await.unwrap();
    say(&store, v.id, "c1", "quiet").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut waiting = store.index_waiting().await.unwrap();
    while waiting > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiting = store.index_waiting().await.unwrap();
    }
    assert_eq!(waiting, 0, "an idle writer files what waits");
    assert_eq!(found(&store, "quiet").await, 1);
}

/// A merge moves waiting client ids with the customer, and an erasure leaves neither terms nor client
/// ids of waiting messages behind.
#[tokio::test]
async fn merges_and_erasure_see_waiting_messages() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_queueing(&dir.path().join("sodan.redb")).await;
    let claim = || Claim {
        external_id: "u1".into(),
        verified: true,
        traits: Default::default(),
    };
    let a = store.create_visitor([1; 32]).await.unwrap();
    store
        .identify([1; 32], a.id, claim())
        .await
        .unwrap()
        .unwrap();
    let b = store.create_visitor([2; 32]).await.unwrap();
    let sent = say(&store, b.id, "c1", "from the phone").await;
    let into = store
        .identify([2; 32], b.id, claim())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(into, a.id);
    let retried = say(&store, a.id, "c1", "from the phone").await;
    assert!(retried.duplicate, "the client id moved with the merge");
    assert_eq!(retried.message.id, sent.message.id);

    say(&store, a.id, "c2", "waiting words").await;
    assert_eq!(store.index_waiting().await.unwrap(), 1);
    store
        .delete_customer(a.id, Erase::RemoveAll, "test".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.index_waiting().await.unwrap(), 0);
    assert_eq!(found(&store, "waiting").await, 0);
    assert_eq!(found(&store, "phone").await, 0);
    let client_ids = store
        .read(|txn| {
            use crate::store::kv::typed::TypedRead;
            let kv = txn;
            Ok(kv.all_in(&crate::store::tables::CLIENT_IDS)?.len())
        })
        .await
        .unwrap();
    assert_eq!(client_ids, 0, "no client id outlives the erasure");
}

/// A backup taken while messages wait carries their client ids, and the restored file finds them.
#[tokio::test]
async fn a_backup_keeps_the_client_ids_of_waiting_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sodan.redb");
    let store = Store::open_queueing(&path).await;
    let v = store.create_visitor([1; 32]).await.unwrap();
    say(&store, v.id, "c1", "before the move").await;
    assert_eq!(store.index_waiting().await.unwrap(), 1);
    store.close(Duration::from_secs(5)).await.unwrap();

    let mut export = Vec::new();
    let files = crate::store::BlockingFiles::Folder(dir.path().join("uploads"));
    crate::store::backup::export(&path, &files, &mut export).unwrap();
    let restored = dir.path().join("restored").join("sodan.redb");
    std::fs::create_dir_all(restored.parent().unwrap()).unwrap();
    let restored_files = crate::store::BlockingFiles::Folder(dir.path().join("restored/uploads"));
    crate::store::backup::import(export.as_slice(), &restored, &restored_files).unwrap();
    let store = Store::open(&restored).await.unwrap();
    assert_eq!(store.index_waiting().await.unwrap(), 0);
    let retried = say(&store, v.id, "c1", "before the move").await;
    assert!(retried.duplicate, "the client id came through the backup");
    assert_eq!(found(&store, "move").await, 1, "the index was built again");
}
