//! HTTP throughput: sign-ins, history pages and user searches, each from a fixed number of
//! concurrent clients for a fixed time.

use crate::client::{Api, Result};
use crate::stats::{self, Latency};
use crate::users::{Person, PASSWORD};
use serde::Serialize;
use shared::ConversationId;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default, Serialize)]
pub struct Throughput {
    pub requests: u64,
    pub per_s: f64,
    pub errors: u64,
    pub latency: Latency,
}

/// Runs `op` from `clients` tasks at once for `duration`; `op` gets the task and request number.
pub async fn throughput<F, Fut>(clients: usize, duration: Duration, op: F) -> Throughput
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut h = stats::histogram();
                let (mut n, mut errors) = (0u64, 0u64);
                while started.elapsed() < duration {
                    let t = Instant::now();
                    if op(client, n).await.is_err() {
                        errors += 1;
                    }
                    stats::record(&mut h, t.elapsed().as_micros() as u64);
                    n += 1;
                }
                (h, n, errors)
            })
        })
        .collect();
    let mut all = stats::histogram();
    let mut result = Throughput::default();
    for task in tasks {
        if let Ok((h, n, errors)) = task.await {
            let _ = all.add(&h);
            result.requests += n;
            result.errors += errors;
        }
    }
    result.per_s = result.requests as f64 / started.elapsed().as_secs_f64();
    result.latency = Latency::of(&all);
    result
}

pub async fn logins(api: &Api, people: &[Person], clients: usize, d: Duration) -> Throughput {
    let (api, people) = (api.clone(), Arc::new(people.to_vec()));
    throughput(clients, d, move |client, n| {
        let (api, people) = (api.clone(), people.clone());
        async move {
            let person = &people[(client + n as usize * clients) % people.len()];
            api.login(&person.email, PASSWORD).await.map(drop)
        }
    })
    .await
}

/// Newest page of 50 messages of `conversation`, read by `reader`.
pub async fn history(
    api: &Api,
    reader: &Person,
    conversation: ConversationId,
    clients: usize,
    d: Duration,
) -> Throughput {
    let (api, token) = (api.clone(), reader.token.clone());
    throughput(clients, d, move |_, _| {
        let (api, token) = (api.clone(), token.clone());
        async move { api.history(&token, conversation, None, 50).await.map(drop) }
    })
    .await
}

/// Searches for pieces of the names `server seed-users` gives (three to six letters).
pub async fn searches(api: &Api, searcher: &Person, clients: usize, d: Duration) -> Throughput {
    let (api, token) = (api.clone(), searcher.token.clone());
    throughput(clients, d, move |client, n| {
        let (api, token) = (api.clone(), token.clone());
        async move {
            let q = query(client as u64 * 1_000_003 + n);
            api.search(&token, &q, 20).await.map(drop)
        }
    })
    .await
}

fn query(n: u64) -> String {
    let mut x = n
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut q = String::new();
    for _ in 0..(2 + (x >> 60) % 2) {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        q.push_str(shared::seed::SYLLABLES[((x >> 33) % 20) as usize]);
    }
    q
}
