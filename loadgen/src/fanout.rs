//! Fan-out: messages offered at a fixed rate into group conversations, every member connected.
//!
//! Open loop: message `i` is due at `start + i / rate` whatever happened to earlier ones, and
//! every latency is measured from that due time, so a server that stalls is charged for the
//! whole stall (no coordinated omission). Every message is accounted for: each member's socket
//! must see it exactly once, the sender must get its `ack`, and history must hold it once.

use crate::client::{frame, Api, Result, Socket};
use crate::stats::{self, Latency};
use crate::users::Person;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use futures_util::SinkExt;
use hdrhistogram::Histogram;
use serde::Serialize;
use shared::ws::{ClientMsg, ServerMsg};
use shared::ConversationId;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Conversations among a set of people; each person has one socket during a run.
pub struct Room {
    people: Vec<Person>,
    /// Each conversation with the indexes (into `people`) of its members.
    conversations: Vec<(ConversationId, Vec<usize>)>,
}

impl Room {
    /// A conversation to read history from, and a member to read it as.
    pub fn sample(&self) -> (ConversationId, &Person) {
        let (id, members) = &self.conversations[0];
        (*id, &self.people[members[0]])
    }
}

/// Makes `count` groups of `members` people each, spread evenly over `people`.
pub async fn prepare(api: &Api, people: &[Person], count: usize, members: usize) -> Result<Room> {
    if members < 3 || members > people.len() {
        return Err(format!("groups need 3 to {} members", people.len()).into());
    }
    let stride = people.len() / members;
    let plans: Vec<Vec<usize>> = (0..count)
        .map(|c| {
            (0..members)
                .map(|m| (c + m * stride) % people.len())
                .collect()
        })
        .collect();
    let conversations = stream::iter(plans)
        .map(|plan| async move {
            let creator = &people[plan[0]];
            let others = plan[1..].iter().map(|&i| people[i].id).collect();
            let conversation = api
                .create_conversation(&creator.token, others, Some("Load".into()))
                .await?;
            Ok::<_, crate::client::Error>((conversation.id, plan))
        })
        .buffered(8)
        .try_collect()
        .await?;
    Ok(Room {
        people: people.to_vec(),
        conversations,
    })
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FanoutResult {
    pub conversations: usize,
    pub members: usize,
    pub offered_per_s: f64,
    pub duration_s: f64,
    pub sent: u64,
    pub acked: u64,
    /// Message frames at members' sockets plus acks at the senders'.
    pub deliveries: u64,
    pub deliveries_per_s: f64,
    pub ack: Latency,
    pub delivery: Latency,
    /// Deliveries, acks or stored copies that should have happened and did not.
    pub lost: u64,
    /// Deliveries or stored copies that happened more than once.
    pub duplicated: u64,
    /// `error` frames and sockets that failed.
    pub errors: u64,
    /// What the first error was.
    pub first_error: Option<String>,
}

struct Slot {
    expected: u32,
    delivered: AtomicU32,
    acked: AtomicBool,
}

struct Tracker {
    tag: String,
    start: Instant,
    slots: Vec<Slot>,
    duplicated: AtomicU64,
    errors: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
    /// Microseconds after `start` of the latest delivery.
    last_us: AtomicU64,
}

impl Tracker {
    fn text(&self, idx: usize, due_us: u64) -> String {
        format!("lg {} {idx} {due_us}", self.tag)
    }

    /// The message index and due time in a text this run wrote.
    fn parse(&self, text: &str) -> Option<(usize, u64)> {
        let mut parts = text.strip_prefix("lg ")?.split(' ');
        if parts.next()? != self.tag {
            return None;
        }
        let idx = parts.next()?.parse().ok()?;
        let due = parts.next()?.parse().ok()?;
        (idx < self.slots.len()).then_some((idx, due))
    }

    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.first_error
            .lock()
            .expect("not poisoned")
            .get_or_insert(what);
    }

    fn settled(&self) -> bool {
        self.slots.iter().all(|s| {
            s.acked.load(Ordering::Relaxed) && s.delivered.load(Ordering::Relaxed) >= s.expected
        })
    }
}

/// Sends `rate` messages per second for `duration`, then waits up to `drain` for stragglers.
pub async fn run(
    api: &Api,
    room: &Room,
    rate: f64,
    duration: Duration,
    drain: Duration,
) -> Result<FanoutResult> {
    let total = (rate * duration.as_secs_f64()).round() as usize;
    let members = room.conversations.first().map_or(0, |c| c.1.len());
    let tag = crate::users::run_tag();

    let sockets: Vec<Socket> = stream::iter(&room.people)
        .map(|p| api.connect(&p.token, None))
        .buffered(32)
        .try_collect()
        .await?;

    // Which conversation and sender each message uses: round-robin over both.
    let plan: Vec<(usize, usize)> = (0..total)
        .map(|i| {
            let c = i % room.conversations.len();
            let member = (i / room.conversations.len()) % members;
            (c, room.conversations[c].1[member])
        })
        .collect();
    let tracker = Arc::new(Tracker {
        tag,
        start: Instant::now(),
        slots: plan
            .iter()
            .map(|&(c, _)| Slot {
                expected: room.conversations[c].1.len() as u32 - 1,
                delivered: AtomicU32::new(0),
                acked: AtomicBool::new(false),
            })
            .collect(),
        duplicated: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        first_error: Default::default(),
        last_us: AtomicU64::new(0),
    });

    let mut writers = Vec::new();
    let mut readers = Vec::new();
    for socket in sockets {
        let (tx, rx) = mpsc::unbounded_channel();
        let (sink, stream) = futures_util::StreamExt::split(socket);
        writers.push(tx);
        tokio::spawn(write_loop(sink, rx));
        readers.push(tokio::spawn(read_loop(stream, tracker.clone())));
    }

    // The tracker's clock starts now; message i is due at i / rate seconds.
    let start = tokio::time::Instant::from_std(tracker.start);
    let mut next = 0;
    while next < total {
        let now_us = tracker.now_us();
        while next < total {
            let due_us = (next as f64 * 1e6 / rate) as u64;
            if due_us > now_us {
                break;
            }
            let (c, sender) = plan[next];
            let msg = ClientMsg::Send {
                client_id: uuid::Uuid::new_v4(),
                conversation_id: room.conversations[c].0,
                text: Some(tracker.text(next, due_us)),
                img: None,
                reply_to: None,
            };
            let _ = writers[sender].send(frame(&msg));
            next += 1;
        }
        if next < total {
            let due_us = (next as f64 * 1e6 / rate) as u64;
            tokio::time::sleep_until(start + Duration::from_micros(due_us)).await;
        }
    }
    let sent_for = tracker.start.elapsed();
    let deadline = Instant::now() + drain;
    while !tracker.settled() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(writers);
    let mut ack = stats::histogram();
    let mut delivery = stats::histogram();
    for reader in readers {
        let (a, d) = reader.await?;
        ack.add(&a)?;
        delivery.add(&d)?;
    }

    let mut result = FanoutResult {
        conversations: room.conversations.len(),
        members,
        offered_per_s: rate,
        duration_s: sent_for.as_secs_f64(),
        sent: total as u64,
        duplicated: tracker.duplicated.load(Ordering::Relaxed),
        errors: tracker.errors.load(Ordering::Relaxed),
        first_error: tracker.first_error.lock().expect("not poisoned").clone(),
        ack: Latency::of(&ack),
        delivery: Latency::of(&delivery),
        ..Default::default()
    };
    for slot in &tracker.slots {
        let delivered = slot.delivered.load(Ordering::Relaxed) as u64;
        let acked = slot.acked.load(Ordering::Relaxed);
        result.acked += acked as u64;
        result.deliveries += delivered + acked as u64;
        result.lost += (slot.expected as u64).saturating_sub(delivered) + (!acked) as u64;
    }
    let busy_s = tracker.last_us.load(Ordering::Relaxed) as f64 / 1e6;
    result.deliveries_per_s = result.deliveries as f64 / busy_s.max(1e-3);
    let (missing, twice) = check_stored(api, room, &tracker).await?;
    result.lost += missing;
    result.duplicated += twice;
    Ok(result)
}

async fn write_loop(
    mut sink: futures_util::stream::SplitSink<Socket, WsMessage>,
    mut rx: mpsc::UnboundedReceiver<WsMessage>,
) {
    while let Some(message) = rx.recv().await {
        if sink.feed(message).await.is_err() {
            return;
        }
        while let Ok(message) = rx.try_recv() {
            if sink.feed(message).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
    let _ = sink.send(WsMessage::Close(None)).await;
}

async fn read_loop(
    mut stream: futures_util::stream::SplitStream<Socket>,
    tracker: Arc<Tracker>,
) -> (Histogram<u64>, Histogram<u64>) {
    let mut ack = stats::histogram();
    let mut delivery = stats::histogram();
    let mut seen = HashSet::new();
    while let Some(message) = stream.next().await {
        let text = match message {
            Ok(WsMessage::Text(text)) => text,
            Ok(WsMessage::Close(_)) => break,
            Ok(_) => continue,
            Err(e) => {
                tracker.error(format!("socket: {e}"));
                break;
            }
        };
        let now_us = tracker.now_us();
        match serde_json::from_str::<ServerMsg>(&text) {
            Ok(ServerMsg::Message { message }) => {
                let Some((idx, due_us)) = tracker.parse(&message.text) else {
                    continue;
                };
                if !seen.insert(idx) {
                    tracker.duplicated.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                tracker.slots[idx].delivered.fetch_add(1, Ordering::Relaxed);
                tracker.last_us.fetch_max(now_us, Ordering::Relaxed);
                stats::record(&mut delivery, now_us.saturating_sub(due_us));
            }
            Ok(ServerMsg::Ack { message, .. }) => {
                let Some((idx, due_us)) = tracker.parse(&message.text) else {
                    continue;
                };
                if tracker.slots[idx].acked.swap(true, Ordering::Relaxed) {
                    tracker.duplicated.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                tracker.last_us.fetch_max(now_us, Ordering::Relaxed);
                stats::record(&mut ack, now_us.saturating_sub(due_us));
            }
            Ok(error @ ServerMsg::Error { .. }) => tracker.error(format!("{error:?}")),
            Err(e) => tracker.error(format!("unreadable frame: {e}")),
            Ok(_) => {}
        }
    }
    (ack, delivery)
}

/// Reads every conversation's history back: each acknowledged message must be stored once.
/// Returns (acknowledged but missing, stored more than once).
async fn check_stored(api: &Api, room: &Room, tracker: &Tracker) -> Result<(u64, u64)> {
    let mut stored = vec![0u32; tracker.slots.len()];
    for (id, members) in &room.conversations {
        let token = &room.people[members[0]].token;
        let mut after = 0;
        loop {
            let page = api.history(token, *id, Some(after), 100).await?;
            for message in &page.messages {
                if let Some((idx, _)) = tracker.parse(&message.text) {
                    stored[idx] += 1;
                }
                after = message.seq;
            }
            if !page.has_more || page.messages.is_empty() {
                break;
            }
        }
    }
    let mut missing = 0;
    let mut twice = 0;
    for (slot, &copies) in tracker.slots.iter().zip(&stored) {
        if copies == 0 && slot.acked.load(Ordering::Relaxed) {
            missing += 1;
        }
        twice += copies.saturating_sub(1) as u64;
    }
    Ok((missing, twice))
}

/// Raises the offered rate step by step until p99 delivery passes `limit_ms` or anything is
/// lost, duplicated or refused; returns every step and the highest rate that held.
pub async fn knee(
    api: &Api,
    room: &Room,
    rates: impl Iterator<Item = f64>,
    step: Duration,
    limit_ms: f64,
) -> Result<(Option<f64>, Vec<FanoutResult>)> {
    let mut held = None;
    let mut steps = Vec::new();
    for rate in rates {
        let result = run(api, room, rate, step, Duration::from_secs(5)).await?;
        let ok = result.delivery.p99_ms <= limit_ms
            && result.lost == 0
            && result.duplicated == 0
            && result.errors == 0;
        steps.push(result);
        if !ok {
            break;
        }
        held = Some(rate);
    }
    Ok((held, steps))
}
