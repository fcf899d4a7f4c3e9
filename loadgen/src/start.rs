//! Start-up: how long the server binary takes from being started to answering `/readyz`, and
//! how big it is. Each start gets a fresh data folder (an empty SQLite database) unless
//! `DATABASE_URL` is set, and picks its own port.

use crate::client::{Api, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Clone, Debug, Default, Serialize)]
pub struct StartResult {
    pub runs: usize,
    /// Median of the runs.
    pub ready_ms: f64,
    pub ready_ms_max: f64,
    pub binary_bytes: u64,
}

/// The server binary next to this one (`cargo build --release` puts both in one folder).
pub fn default_server_bin() -> Option<PathBuf> {
    let bin = std::env::current_exe().ok()?.parent()?.join("server");
    bin.exists().then_some(bin)
}

pub async fn run(bin: &Path, runs: usize) -> Result<StartResult> {
    let mut times = Vec::new();
    for _ in 0..runs {
        times.push(once(bin).await?);
    }
    times.sort_by(f64::total_cmp);
    Ok(StartResult {
        runs,
        ready_ms: times[times.len() / 2],
        ready_ms_max: *times.last().unwrap_or(&0.0),
        binary_bytes: std::fs::metadata(bin)?.len(),
    })
}

async fn once(bin: &Path) -> Result<f64> {
    let data = std::env::temp_dir().join(format!("loadgen-start-{}", crate::users::run_tag()));
    let started = Instant::now();
    let mut child = tokio::process::Command::new(bin)
        .env("LETUSCHAT_ADDR", "127.0.0.1:0")
        .env("LETUSCHAT_DATA_DIR", &data)
        .env("LETUSCHAT_UPLOAD_DIR", data.join("uploads"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await?
            .map_err(|e| format!("reading the server's output: {e}"))?
            .ok_or("the server exited before listening")?;
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    let api = Api::new(&url).await?;
    while !api.ready().await {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the server did not become ready in 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&data);
    Ok(ms)
}
