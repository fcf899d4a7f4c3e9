//! Group commit. Writes of one kind that arrive together share a transaction, so a burst of N
//! messages costs one commit (one fsync) instead of N, and each caller still hears back only
//! after the commit that holds its write. A batcher may also wait a moment (`linger`) before a
//! batch that is not full, so that a steady trickle shares commits too.

use super::{Created, DbError, DbResult, NewMessage};
use shared::Message;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

type Job<T, R> = (T, oneshot::Sender<DbResult<R>>);

pub struct Batcher<T, R> {
    jobs: mpsc::Sender<Job<T, R>>,
}

impl<T: Send + 'static, R: Send + 'static> Batcher<T, R> {
    /// Starts the task that runs `write` on up to `max` waiting items at a time; `write`
    /// answers for each item, in order. A batch that is not full waits `linger` for more first
    /// (zero: never waits).
    pub fn spawn<F, Fut>(max: usize, linger: Duration, write: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<DbResult<R>>> + Send,
    {
        let (jobs, mut queue) = mpsc::channel::<Job<T, R>>(max * 4);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while queue.recv_many(&mut batch, max).await > 0 {
                if batch.len() < max && !linger.is_zero() {
                    tokio::time::sleep(linger).await;
                    while batch.len() < max {
                        let Ok(job) = queue.try_recv() else { break };
                        batch.push(job);
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type Batches = Arc<Mutex<Vec<Vec<u32>>>>;

    /// A batcher whose write records the batches it was given and answers each item with itself.
    fn recording(linger: Duration) -> (Arc<Batcher<u32, u32>>, Batches) {
        let batches = Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        let batcher = Batcher::spawn(8, linger, move |items: Vec<u32>| {
            seen.lock().unwrap().push(items.clone());
            async move { items.into_iter().map(Ok).collect() }
        });
        (Arc::new(batcher), batches)
    }

    #[tokio::test]
    async fn an_item_that_comes_while_a_batch_lingers_shares_its_commit() {
        let (batcher, batches) = recording(Duration::from_millis(500));
        let first = tokio::spawn({
            let batcher = batcher.clone();
            async move { batcher.submit(1).await }
        });
        // The batcher has taken the first item and is waiting for more.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(batcher.submit(2).await.unwrap(), 2);
        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(*batches.lock().unwrap(), vec![vec![1, 2]]);
    }

    #[tokio::test]
    async fn without_linger_a_lone_item_is_written_at_once() {
        let (batcher, batches) = recording(Duration::ZERO);
        assert_eq!(batcher.submit(1).await.unwrap(), 1);
        assert_eq!(batcher.submit(2).await.unwrap(), 2);
        assert_eq!(*batches.lock().unwrap(), vec![vec![1], vec![2]]);
    }
}
