//! Idle: many authenticated WebSockets held open, and what they cost the server in memory.
//!
//! A process may open only so many files, so past `per_process` connections the generator
//! starts copies of itself (`loadgen hold`), each holding its share; and since one source
//! address has about 28,000 ephemeral ports, every 25,000 connections use the next 127.0.0.x.

use crate::client::{next_frame_or_end, Api, Result};
use crate::proc;
use crate::users::Person;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::watch;

const PER_SOURCE_ADDRESS: usize = 25_000;
const CONNECTING_AT_ONCE: usize = 64;

#[derive(Clone, Debug, Default, Serialize)]
pub struct IdleResult {
    pub connections: u64,
    pub failed: u64,
    pub processes: usize,
    pub connect_s: f64,
    pub server_rss_before_bytes: u64,
    pub server_rss_held_bytes: u64,
    pub server_rss_after_close_bytes: u64,
    pub rss_per_conn_bytes: u64,
}

/// Connections held in this process until `stop` turns true.
pub struct Held {
    pub ok: usize,
    pub failed: usize,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Held {
    pub async fn close(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

fn source_for(index: usize, api: &Api) -> Option<IpAddr> {
    match api.addr().ip() {
        IpAddr::V4(ip) if ip.is_loopback() => {
            let n = (index / PER_SOURCE_ADDRESS).min(250) as u8;
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + n)))
        }
        _ => None,
    }
}

/// Opens one connection per token (from `first`, for choosing source addresses) and keeps each
/// read (so pings are answered) until closed.
pub async fn hold(api: &Api, tokens: &[String], first: usize) -> Held {
    let (stop, stopped) = watch::channel(false);
    let results: Vec<_> = stream::iter(tokens.iter().enumerate())
        .map(|(i, token)| api.connect(token, source_for(first + i, api)))
        .buffer_unordered(CONNECTING_AT_ONCE)
        .collect()
        .await;
    let mut held = Held {
        ok: 0,
        failed: 0,
        stop,
        tasks: Vec::new(),
    };
    for result in results {
        let Ok(mut ws) = result else {
            held.failed += 1;
            continue;
        };
        held.ok += 1;
        let mut stopped = stopped.clone();
        held.tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    frame = next_frame_or_end(&mut ws) => if !frame { return },
                    _ = stopped.changed() => break,
                }
            }
            let _ = ws.close(None).await;
        }));
    }
    held
}

/// `count` connections spread over `people`, `per_process` per holding process.
pub async fn run(
    api: &Api,
    people: &[Person],
    count: usize,
    per_process: usize,
    server_pid: Option<u32>,
) -> Result<IdleResult> {
    let rss = || server_pid.and_then(proc::rss_bytes).unwrap_or(0);
    let tokens: Vec<String> = (0..count)
        .map(|i| people[i % people.len()].token.clone())
        .collect();
    let mut result = IdleResult {
        server_rss_before_bytes: rss(),
        ..Default::default()
    };
    let started = Instant::now();
    // Held here, or by child processes once one process would need too many files.
    let holding = if count <= per_process {
        let held = hold(api, &tokens, 0).await;
        (result.connections, result.failed) = (held.ok as u64, held.failed as u64);
        Holding::Here(held)
    } else {
        let mut children = Vec::new();
        for (n, chunk) in tokens.chunks(per_process).enumerate() {
            children.push(spawn_holder(api, chunk, n * per_process).await?);
        }
        for child in &mut children {
            let (ok, failed) = child.report().await?;
            result.connections += ok;
            result.failed += failed;
        }
        Holding::Children(children)
    };
    result.processes = match &holding {
        Holding::Here(_) => 1,
        Holding::Children(children) => children.len(),
    };
    result.connect_s = started.elapsed().as_secs_f64();
    settle().await;
    result.server_rss_held_bytes = rss();
    match holding {
        Holding::Here(held) => held.close().await,
        Holding::Children(children) => {
            for child in children {
                child.finish().await;
            }
        }
    }
    settle().await;
    result.server_rss_after_close_bytes = rss();
    result.rss_per_conn_bytes = result
        .server_rss_held_bytes
        .saturating_sub(result.server_rss_before_bytes)
        / result.connections.max(1);
    Ok(result)
}

/// Lets the server finish what the last connections started before its memory is read.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

enum Holding {
    Here(Held),
    Children(Vec<Holder>),
}

struct Holder {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

async fn spawn_holder(api: &Api, tokens: &[String], first: usize) -> Result<Holder> {
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["--url", api.base(), "hold", "--first", &first.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut input = tokens.join("\n");
    input.push_str("\n\n");
    stdin.write_all(input.as_bytes()).await?;
    // The holder stops when its stdin closes, so it is kept open in the child handle.
    child.stdin = Some(stdin);
    let lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    Ok(Holder { child, lines })
}

impl Holder {
    async fn report(&mut self) -> Result<(u64, u64)> {
        let line = self
            .lines
            .next_line()
            .await?
            .ok_or("a holding process ended early")?;
        let mut parts = line.split_whitespace().skip(1);
        let mut number =
            || -> Result<u64> { Ok(parts.next().ok_or("bad holder report")?.parse()?) };
        Ok((number()?, number()?))
    }

    async fn finish(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait().await;
    }
}

/// `loadgen hold`: reads tokens from stdin (up to a blank line), holds a connection for each,
/// prints `held OK FAILED`, and closes them all when stdin closes.
pub async fn holder_main(api: &Api, first: usize) -> Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut tokens = Vec::new();
    while let Some(line) = lines.next_line().await? {
        if line.is_empty() {
            break;
        }
        tokens.push(line);
    }
    let held = hold(api, &tokens, first).await;
    println!("held {} {}", held.ok, held.failed);
    while lines.next_line().await?.is_some() {}
    held.close().await;
    Ok(())
}
