//! Group commit. Writes of one kind that arrive together share a transaction, so a burst of N
//! messages costs one commit (one fsync) instead of N, and each caller still hears back only
//! after the commit that holds its write. Under light load a batch is one write, as before.

use super::{Created, DbError, DbResult, NewMessage};
use shared::Message;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

type Job<T, R> = (T, oneshot::Sender<DbResult<R>>);

pub struct Batcher<T, R> {
    jobs: mpsc::Sender<Job<T, R>>,
}

impl<T: Send + 'static, R: Send + 'static> Batcher<T, R> {
    /// Starts the task that runs `write` on up to `max` waiting items at a time; `write`
    /// answers for each item, in order.
    pub fn spawn<F, Fut>(max: usize, write: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<DbResult<R>>> + Send,
    {
        let (jobs, mut queue) = mpsc::channel::<Job<T, R>>(max * 4);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while queue.recv_many(&mut batch, max).await > 0 {
                let (items, replies): (Vec<T>, Vec<_>) = batch.drain(..).unzip();
                let results = write(items).await;
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
        });
        Batcher { jobs }
    }

    pub async fn submit(&self, item: T) -> DbResult<R> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((item, reply))
            .await
            .map_err(|_| DbError::Stopped)?;
        answer.await.map_err(|_| DbError::Stopped)?
    }
}

/// Each message's answer from what its batch stored (keyed by sender and client_id): the first
/// of a repeated client_id is new, later copies get the same message; `None` where nothing was
/// stored for it (a client_id used before, or a sender who is not a member).
pub fn answers(
    batch: &[NewMessage],
    stored: &HashMap<(i64, Uuid), Message>,
) -> Vec<Option<(Message, Created)>> {
    let mut claimed = HashSet::new();
    batch
        .iter()
        .map(|new| {
            let key = (new.sender_id.0, new.client_id);
            let message = stored.get(&key)?.clone();
            Some(if claimed.insert(key) {
                (message, Created::New)
            } else {
                (message, Created::Existing)
            })
        })
        .collect()
}
