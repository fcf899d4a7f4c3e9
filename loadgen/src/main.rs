//! `loadgen --url URL [--json] SCENARIO [options]`; see `docs/BENCHMARKS.md`.

use loadgen::client::{Api, Result};
use loadgen::{fanout, http, idle, proc, start, users};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: loadgen [--url URL] [--json] SCENARIO [--option value ...]
scenarios: idle, fanout, knee, http, start, all (runs each at its default size)
options (defaults):
  --users 200            people the run registers and talks as
  --connections 10000    idle: sockets held open
  --per-process 5000     idle: sockets per holding process
  --server-pid PID       idle: the server's process (found from the URL's port if omitted)
  --conversations 100    fanout/knee: groups
  --members 10           fanout/knee: people per group
  --rate 2000            fanout: messages offered per second
  --also-url URL         fanout/knee: a second server on the same database; people alternate
                         between the two (--url's server CPU only is reported)
  --duration 60          fanout: seconds of sending (a periodic stall cannot hide in 60 s)
  --from 1000 --by 1000 --max-rate 20000 --step 5 --limit-ms 100    knee
  --clients 8 --seconds 5 --search-users 100000    http (seeds users with `server seed-users`)
  --server-bin PATH      http/start: the server binary (default: next to loadgen)
  --starts 5             start: how many times to start it";

struct Args {
    url: String,
    json: bool,
    scenario: String,
    options: HashMap<String, String>,
}

impl Args {
    fn parse() -> std::result::Result<Args, String> {
        let mut args = std::env::args().skip(1);
        let mut parsed = Args {
            url: "http://127.0.0.1:3000".into(),
            json: false,
            scenario: String::new(),
            options: HashMap::new(),
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--json" => parsed.json = true,
                "--help" | "-h" => {
                    parsed.scenario.clear();
                    return Ok(parsed);
                }
                flag if flag.starts_with("--") => {
                    let value = args.next().ok_or(format!("{flag} needs a value"))?;
                    if flag == "--url" {
                        parsed.url = value;
                    } else {
                        parsed.options.insert(flag[2..].to_string(), value);
                    }
                }
                scenario if parsed.scenario.is_empty() => parsed.scenario = scenario.into(),
                other => return Err(format!("unexpected argument {other}")),
            }
        }
        Ok(parsed)
    }

    fn get<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.options.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: cannot read {v:?}").into()),
        }
    }

    fn seconds(&self, name: &str, default: f64) -> Result<Duration> {
        Ok(Duration::from_secs_f64(self.get(name, default)?))
    }

    fn server_bin(&self) -> Option<PathBuf> {
        match self.options.get("server-bin") {
            Some(path) => Some(PathBuf::from(path)),
            None => start::default_server_bin(),
        }
    }
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) if !args.scenario.is_empty() => args,
        // No scenario, or --help.
        Ok(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("loadgen: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    proc::raise_open_files();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(&args)) {
        Ok(report) => {
            let clean = report.get("lost").and_then(Value::as_u64).unwrap_or(0) == 0
                && report
                    .get("duplicated")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    == 0;
            if args.json {
                println!("{}", Value::Object(report));
            } else {
                print_table(&report, "");
            }
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<Map<String, Value>> {
    let api = Api::new(&args.url).await?;
    if args.scenario == "hold" {
        idle::holder_main(&api, args.get("first", 0)?).await?;
        return Ok(Map::new());
    }
    if !api.ready().await {
        return Err(format!("{} is not ready (GET /readyz)", args.url).into());
    }
    let scenarios: Vec<&str> = match args.scenario.as_str() {
        "all" => vec!["idle", "fanout", "knee", "http", "start"],
        s @ ("idle" | "fanout" | "knee" | "http" | "start") => vec![s],
        other => return Err(format!("unknown scenario {other}").into()),
    };
    let mut report = Map::new();
    let server_pid = match args.options.get("server-pid") {
        Some(pid) => Some(pid.parse()?),
        None => proc::listening_pid(api.addr().port()),
    };
    report.insert("server_pid".into(), json!(server_pid));
    report.insert(
        "server_rss_start_bytes".into(),
        json!(server_pid.and_then(proc::rss_bytes)),
    );
    let needs_people = scenarios.iter().any(|s| *s != "start");
    let tag = users::run_tag();
    let people = if needs_people {
        eprintln!("registering {} people...", args.get("users", 200usize)?);
        users::register(&api, &tag, args.get("users", 200)?).await?
    } else {
        Vec::new()
    };
    let mut room = None;
    let (mut lost, mut duplicated, mut late, mut let_go) = (0, 0, 0, 0);
    for scenario in &scenarios {
        eprintln!("running {scenario}...");
        match *scenario {
            "idle" => {
                let r = idle::run(
                    &api,
                    &people,
                    args.get("connections", 10_000)?,
                    args.get("per-process", 5_000)?,
                    server_pid,
                )
                .await?;
                report.insert("idle_connections".into(), json!(r.connections));
                report.insert(
                    "idle_rss_per_conn_bytes".into(),
                    json!(r.rss_per_conn_bytes),
                );
                report.insert("idle".into(), json!(r));
            }
            "fanout" | "knee" => {
                if room.is_none() {
                    room = Some(
                        fanout::prepare(
                            &api,
                            &people,
                            args.get("conversations", 100)?,
                            args.get("members", 10)?,
                        )
                        .await?,
                    );
                }
                let room = room.as_ref().expect("prepared");
                // A second process on the same database: the people connect to both in turn.
                let mut servers = vec![api.clone()];
                if let Some(url) = args.options.get("also-url") {
                    servers.push(Api::new(url).await?);
                }
                if *scenario == "fanout" {
                    let cpu_before = server_pid.and_then(proc::cpu_us);
                    let postgres_before = proc::command_cpu_us("postgres");
                    let r = fanout::run(
                        &servers,
                        room,
                        args.get("rate", 2000.0)?,
                        args.seconds("duration", 60.0)?,
                        Duration::from_secs(10),
                    )
                    .await?;
                    (lost, duplicated) = (lost + r.lost, duplicated + r.duplicated);
                    (late, let_go) = (late + r.late, let_go + r.let_go);
                    report.insert("fanout_deliveries_per_s".into(), json!(r.deliveries_per_s));
                    report.insert("fanout_p99_ms".into(), json!(r.delivery.p99_ms));
                    report.insert("fanout_ack_p99_ms".into(), json!(r.ack.p99_ms));
                    // The server's CPU over the whole run (sending, the drain, the catch-up) per
                    // copy delivered: with the server alone on a core, its cost per delivery.
                    let cpu = server_pid.and_then(proc::cpu_us).zip(cpu_before);
                    let per_delivery = cpu.map(|(after, before)| {
                        after.saturating_sub(before) as f64 / r.deliveries.max(1) as f64
                    });
                    report.insert(
                        "fanout_server_cpu_us_per_delivery".into(),
                        json!(per_delivery),
                    );
                    // PostgreSQL's own CPU beside it, when it runs on this machine (whatever
                    // database the server uses: compare with the server's figure only on one).
                    let postgres = proc::command_cpu_us("postgres").zip(postgres_before);
                    report.insert(
                        "fanout_postgres_cpu_us_per_delivery".into(),
                        json!(postgres.map(|(after, before)| {
                            after.saturating_sub(before) as f64 / r.deliveries.max(1) as f64
                        })),
                    );
                    report.insert("fanout".into(), json!(r));
                } else {
                    let (from, by, max) = (
                        args.get("from", 1000.0)?,
                        args.get("by", 1000.0)?,
                        args.get("max-rate", 20_000.0)?,
                    );
                    let rates = (0..)
                        .map(move |i| from + by * i as f64)
                        .take_while(move |r| *r <= max);
                    let (held, steps) = fanout::knee(
                        &servers,
                        room,
                        rates,
                        args.seconds("step", 5.0)?,
                        args.get("limit-ms", 100.0)?,
                    )
                    .await?;
                    for step in &steps {
                        lost += step.lost;
                        duplicated += step.duplicated;
                        late += step.late;
                        let_go += step.let_go;
                    }
                    report.insert("knee_msgs_per_s".into(), json!(held));
                    report.insert("knee".into(), json!(steps));
                }
            }
            "http" => {
                let clients = args.get("clients", 8)?;
                let d = args.seconds("seconds", 5.0)?;
                let seeded = seed(args, &api, &people).await?;
                report.insert("search_users_seeded".into(), json!(seeded));
                let logins = http::logins(&api, &people, clients, d).await;
                let history = match room.as_ref().map(fanout::Room::sample) {
                    Some((id, reader)) => Some(http::history(&api, reader, id, clients, d).await),
                    None => None,
                };
                let searches = http::searches(&api, &people[0], clients, d).await;
                report.insert("logins_per_s".into(), json!(logins.per_s));
                report.insert(
                    "history_pages_per_s".into(),
                    json!(history.as_ref().map(|h| h.per_s)),
                );
                report.insert("searches_per_s".into(), json!(searches.per_s));
                report.insert(
                    "http".into(),
                    json!({"clients": clients, "logins": logins, "history": history, "searches": searches}),
                );
            }
            "start" => match args.server_bin() {
                Some(bin) => {
                    let r = start::run(&bin, args.get("starts", 5)?).await?;
                    report.insert("ready_ms".into(), json!(r.ready_ms));
                    report.insert("binary_bytes".into(), json!(r.binary_bytes));
                    report.insert("start".into(), json!(r));
                }
                None => return Err("no server binary: pass --server-bin".into()),
            },
            _ => unreachable!(),
        }
    }
    if scenarios.iter().any(|s| matches!(*s, "fanout" | "knee")) {
        report.insert("lost".into(), json!(lost));
        report.insert("duplicated".into(), json!(duplicated));
        // Not lost: copies a member got from history after missing them live.
        report.insert("late".into(), json!(late));
        report.insert("connections_let_go".into(), json!(let_go));
    }
    report.insert(
        "server_rss_end_bytes".into(),
        json!(server_pid.and_then(proc::rss_bytes)),
    );
    Ok(report)
}

/// Makes sure the database holds `--search-users` seeded people, with the server binary's
/// `seed-users` command (same environment as this process, so run both from one place).
async fn seed(args: &Args, api: &Api, people: &[users::Person]) -> Result<u64> {
    let count: u64 = args.get("search-users", 100_000)?;
    if count == 0 {
        return Ok(0);
    }
    let bin = args
        .server_bin()
        .ok_or("no server binary to seed users with: pass --server-bin or --search-users 0")?;
    eprintln!("seeding {count} users for search...");
    let status = tokio::process::Command::new(bin)
        .args(["seed-users", &count.to_string()])
        // Its report goes with our progress lines, not into the results.
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .await?;
    if !status.success() {
        return Err(format!("server seed-users failed: {status}").into());
    }
    // Seeded into another database than the server's would make searches look fast.
    let last = shared::seed::name(count - 1);
    if !api
        .search(&people[0].token, &last, 5)
        .await?
        .users
        .iter()
        .any(|u| u.display_name == last)
    {
        return Err("the server does not see the seeded users: run loadgen from the server's folder with its DATABASE_URL".into());
    }
    Ok(count)
}

fn print_table(report: &Map<String, Value>, prefix: &str) {
    for (key, value) in report {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => print_table(inner, &name),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(inner) => print_table(inner, &format!("{name}[{i}]")),
                        other => println!("{:<44} {other}", format!("{name}[{i}]")),
                    }
                }
            }
            Value::Number(n) if n.is_f64() => {
                println!("{name:<44} {:.2}", n.as_f64().unwrap_or_default())
            }
            other => println!("{name:<44} {other}"),
        }
    }
}
