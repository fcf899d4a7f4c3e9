//! Fan-out: messages offered at a fixed rate into group conversations, every member connected.
//!
//! Open loop: message `i` is due at `start + i / rate` whatever happened to earlier ones, and
//! every latency is measured from that due time, so a server that stalls is charged for the
//! whole stall (no coordinated omission). Every message is accounted for: each member's socket
//! must see it exactly once, the sender must get its `ack`, and history must hold it once.
//!
//! Late is told apart from lost, as a person would see it. A socket the server lets go (1013,
//! too slow) reconnects at once, as the browser does; what it missed meanwhile, and what had not
//! arrived by the end of the run, a member gets from history (catch-up): those copies are late.
//! A send that was never acknowledged (its socket went first) is sent again over HTTP under the
//! same `client_id`, as the browser retries. Lost is only what no member can ever get: a message
//! that is not stored after that.

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
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
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
    /// Of the copies that arrived live, before the run's end.
    pub delivery: Latency,
    /// Copies a member did not get live but gets from history (catch-up): stored, only late.
    pub late: u64,
    /// Sockets the server let go (1013, too slow); each reconnected at once.
    pub let_go: u64,
    /// Sends without an ack by the end, sent again over HTTP under the same `client_id`.
    pub resent: u64,
    /// Copies no member can ever get (the message is not stored, even after a resend), and
    /// acknowledged messages that are not stored.
    pub lost: u64,
    /// Every message reached every member in the end, live or by catch-up.
    pub reached_everyone: bool,
    /// Deliveries or stored copies that happened more than once.
    pub duplicated: u64,
    /// `error` frames and sockets that failed.
    pub errors: u64,
    /// What the first error was.
    pub first_error: Option<String>,
}

struct Slot {
    client_id: uuid::Uuid,
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
    let_go: AtomicU64,
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
/// With several servers (processes sharing one database), the people connect to them in turn,
/// so most copies cross from one process to another; history is read from the first.
pub async fn run(
    servers: &[Api],
    room: &Room,
    rate: f64,
    duration: Duration,
    drain: Duration,
) -> Result<FanoutResult> {
    let total = (rate * duration.as_secs_f64()).round() as usize;
    let members = room.conversations.first().map_or(0, |c| c.1.len());
    let tag = crate::users::run_tag();

    let api = &servers[0];
    let server_of = |person: usize| &servers[person % servers.len()];
    let sockets: Vec<Socket> = stream::iter(room.people.iter().enumerate())
        .map(|(i, p)| server_of(i).connect(&p.token, None))
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
                client_id: uuid::Uuid::new_v4(),
                expected: room.conversations[c].1.len() as u32 - 1,
                delivered: AtomicU32::new(0),
                acked: AtomicBool::new(false),
            })
            .collect(),
        duplicated: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        let_go: AtomicU64::new(0),
        first_error: Default::default(),
        last_us: AtomicU64::new(0),
    });

    let mut writers = Vec::new();
    let mut readers = Vec::new();
    for (i, (socket, person)) in sockets.into_iter().zip(&room.people).enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        writers.push(tx);
        let member = Member {
            api: server_of(i).clone(),
            token: person.token.clone(),
            tracker: tracker.clone(),
        };
        readers.push(tokio::spawn(member.run(socket, rx)));
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
                client_id: tracker.slots[next].client_id,
                conversation_id: room.conversations[c].0,
                text: Some(tracker.text(next, due_us)),
                img: None,
                reply_to: None,
                file: None,
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

    // What was never acknowledged goes again, as the browser retries a failed send.
    let mut resent = 0;
    for (idx, slot) in tracker.slots.iter().enumerate() {
        if slot.acked.load(Ordering::Relaxed) {
            continue;
        }
        let (c, sender) = plan[idx];
        let text = tracker.text(idx, (idx as f64 * 1e6 / rate) as u64);
        let token = &room.people[sender].token;
        match api
            .send_message(token, room.conversations[c].0, slot.client_id, text)
            .await
        {
            Ok(_) => resent += 1,
            Err(e) => tracker.error(format!("resending: {e}")),
        }
    }

    let mut result = FanoutResult {
        conversations: room.conversations.len(),
        members,
        offered_per_s: rate,
        duration_s: sent_for.as_secs_f64(),
        sent: total as u64,
        resent,
        let_go: tracker.let_go.load(Ordering::Relaxed),
        duplicated: tracker.duplicated.load(Ordering::Relaxed),
        errors: tracker.errors.load(Ordering::Relaxed),
        first_error: tracker.first_error.lock().expect("not poisoned").clone(),
        ack: Latency::of(&ack),
        delivery: Latency::of(&delivery),
        ..Default::default()
    };
    let (stored, twice) = stored_copies(api, room, &tracker).await?;
    result.duplicated += twice;
    for (slot, stored) in tracker.slots.iter().zip(stored) {
        let delivered = slot.delivered.load(Ordering::Relaxed) as u64;
        let acked = slot.acked.load(Ordering::Relaxed);
        result.acked += acked as u64;
        result.deliveries += delivered + acked as u64;
        let missing = (slot.expected as u64).saturating_sub(delivered);
        if stored {
            // Every member reads it in history: what did not come live is late, not lost.
            result.late += missing;
        } else {
            result.lost += missing + acked as u64;
        }
    }
    result.reached_everyone = result.lost == 0;
    let busy_s = tracker.last_us.load(Ordering::Relaxed) as f64 / 1e6;
    result.deliveries_per_s = result.deliveries as f64 / busy_s.max(1e-3);
    Ok(result)
}

/// One person's socket during a run: it writes what the plan sends and reads what arrives.
/// Let go or failed, it is opened again, as the browser does.
struct Member {
    api: Api,
    token: String,
    tracker: Arc<Tracker>,
}

impl Member {
    async fn run(
        self,
        mut socket: Socket,
        mut rx: mpsc::UnboundedReceiver<WsMessage>,
    ) -> (Histogram<u64>, Histogram<u64>) {
        let mut ack = stats::histogram();
        let mut delivery = stats::histogram();
        let mut seen = HashSet::new();
        loop {
            tokio::select! {
                outgoing = rx.recv() => {
                    let Some(message) = outgoing else {
                        let _ = socket.close(None).await;
                        break;
                    };
                    // A batch in one write; on a socket that is gone the next read says so, and
                    // what was lost with it is resent after the run.
                    let mut ok = socket.feed(message).await.is_ok();
                    while let (true, Ok(message)) = (ok, rx.try_recv()) {
                        ok = socket.feed(message).await.is_ok();
                    }
                    let _ = ok && socket.flush().await.is_ok();
                }
                incoming = socket.next() => {
                    let text = match incoming {
                        Some(Ok(WsMessage::Text(text))) => text,
                        Some(Ok(WsMessage::Close(frame))) => {
                            match frame {
                                Some(f) if f.code == CloseCode::Again => {
                                    self.tracker.let_go.fetch_add(1, Ordering::Relaxed);
                                }
                                other => self.tracker.error(format!("closed: {other:?}")),
                            }
                            match self.reconnect().await {
                                Some(again) => socket = again,
                                None => break,
                            }
                            continue;
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => {
                            self.tracker.error(format!("socket: {e}"));
                            match self.reconnect().await {
                                Some(again) => socket = again,
                                None => break,
                            }
                            continue;
                        }
                        None => match self.reconnect().await {
                            Some(again) => {
                                socket = again;
                                continue;
                            }
                            None => break,
                        },
                    };
                    self.read(&text, &mut seen, &mut ack, &mut delivery);
                }
            }
        }
        // Frames still queued were never sent: resent after the run.
        (ack, delivery)
    }

    async fn reconnect(&self) -> Option<Socket> {
        for attempt in 0..5u64 {
            match self.api.connect(&self.token, None).await {
                Ok(socket) => return Some(socket),
                Err(e) if attempt == 4 => self.tracker.error(format!("reconnecting: {e}")),
                Err(_) => tokio::time::sleep(Duration::from_millis(100 << attempt)).await,
            }
        }
        None
    }

    fn read(
        &self,
        text: &str,
        seen: &mut HashSet<usize>,
        ack: &mut Histogram<u64>,
        delivery: &mut Histogram<u64>,
    ) {
        let tracker = &self.tracker;
        let now_us = tracker.now_us();
        match serde_json::from_str::<ServerMsg>(text) {
            Ok(ServerMsg::Message { message }) => {
                let Some((idx, due_us)) = tracker.parse(&message.text) else {
                    return;
                };
                if !seen.insert(idx) {
                    tracker.duplicated.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                tracker.slots[idx].delivered.fetch_add(1, Ordering::Relaxed);
                tracker.last_us.fetch_max(now_us, Ordering::Relaxed);
                stats::record(delivery, now_us.saturating_sub(due_us));
            }
            Ok(ServerMsg::Ack { message, .. }) => {
                let Some((idx, due_us)) = tracker.parse(&message.text) else {
                    return;
                };
                if tracker.slots[idx].acked.swap(true, Ordering::Relaxed) {
                    tracker.duplicated.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                tracker.last_us.fetch_max(now_us, Ordering::Relaxed);
                stats::record(ack, now_us.saturating_sub(due_us));
            }
            Ok(error @ ServerMsg::Error { .. }) => tracker.error(format!("{error:?}")),
            Err(e) => tracker.error(format!("unreadable frame: {e}")),
            Ok(_) => {}
        }
    }
}

/// Reads every conversation's history back, as a member catching up would: whether each
/// message is stored, and how many copies were stored more than once.
async fn stored_copies(api: &Api, room: &Room, tracker: &Tracker) -> Result<(Vec<bool>, u64)> {
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
    let twice = stored.iter().map(|&c| c.saturating_sub(1) as u64).sum();
    Ok((stored.into_iter().map(|c| c > 0).collect(), twice))
}

/// Raises the offered rate step by step until p99 delivery passes `limit_ms`, a socket is let go,
/// a copy comes late or anything is lost, duplicated or refused; returns every step and the
/// highest rate that held.
pub async fn knee(
    servers: &[Api],
    room: &Room,
    rates: impl Iterator<Item = f64>,
    step: Duration,
    limit_ms: f64,
) -> Result<(Option<f64>, Vec<FanoutResult>)> {
    let mut held = None;
    let mut steps = Vec::new();
    for rate in rates {
        let result = run(servers, room, rate, step, Duration::from_secs(5)).await?;
        // Held: on time, and nobody let go or caught up late.
        let ok = result.delivery.p99_ms <= limit_ms
            && result.late == 0
            && result.let_go == 0
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
