//! The server process seen from outside (Linux `/proc`): which process listens on a port, and
//! how much memory and CPU time it holds and has used.

use std::fs;

/// The process listening on `port` on this machine, if this user may see it.
pub fn listening_pid(port: u16) -> Option<u32> {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| fs::read_to_string(table).ok())
        .flat_map(|table| {
            table
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let local_port = fields.get(1)?.rsplit(':').next()?;
                    let listening = *fields.get(3)? == "0A";
                    (listening && u16::from_str_radix(local_port, 16).ok()? == port)
                        .then(|| fields.get(9).map(|inode| format!("socket:[{inode}]")))?
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if inodes.is_empty() {
        return None;
    }
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let fds = fs::read_dir(entry.path().join("fd")).ok()?;
        fds.flatten()
            .filter_map(|fd| fs::read_link(fd.path()).ok())
            .any(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
            .then_some(pid)
    })
}

/// Resident memory of a process, in bytes.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The CPU time (user and system) a process has used so far, in microseconds.
pub fn cpu_us(pid: u32) -> Option<u64> {
    let (_, ticks) = stat(pid, false)?;
    Some(ticks_to_us(ticks))
}

/// The CPU time every process named `command` on this machine has used so far, in microseconds,
/// with that of their children that have ended (a PostgreSQL backend's goes to its postmaster
/// when it exits). `None` when there is no such process.
pub fn command_cpu_us(command: &str) -> Option<u64> {
    let ticks: Vec<u64> = fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter_map(|pid| stat(pid, true))
        .filter(|(name, _)| name == command)
        .map(|(_, ticks)| ticks)
        .collect();
    (!ticks.is_empty()).then(|| ticks_to_us(ticks.iter().sum()))
}

/// A process's command name and CPU ticks (user and system; with `children`, also those of its
/// children that have ended).
fn stat(pid: u32, children: bool) -> Option<(String, u64)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: count the fields after its closing parenthesis, where
    // `utime`, `stime`, `cutime` and `cstime` are the 12th to 15th.
    let (head, tail) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_string();
    let fields: Vec<u64> = tail
        .split_whitespace()
        .skip(11)
        .take(if children { 4 } else { 2 })
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    Some((name, fields.iter().sum()))
}

fn ticks_to_us(ticks: u64) -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ticks * 1_000_000 / per_s
}

/// Raises this process's soft open-files limit to the hard one (each socket is a file).
pub fn raise_open_files() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on a struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_found_by_name_with_its_cpu() {
        let me = std::process::id();
        // Spend a little CPU so that there is some to count.
        let spin = std::time::Instant::now();
        while spin.elapsed() < std::time::Duration::from_millis(30) {
            std::hint::black_box(0);
        }
        let (name, _) = stat(me, false).expect("this process");
        let own = cpu_us(me).expect("this process");
        let all = command_cpu_us(&name).expect("found by its name");
        assert!(all >= own, "{all} includes this process's {own}");
        assert_eq!(command_cpu_us("no-such-command-here"), None);
    }
}
