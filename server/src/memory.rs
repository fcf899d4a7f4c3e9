//! Giving memory back. glibc's allocator keeps what thousands of closed connections freed, so
//! after a crowd leaves the process would stay at its peak size; when the number of open
//! connections has halved since its last high point, the server asks it to return free pages.

use crate::realtime::Hub;
use std::sync::Arc;
use std::time::Duration;

const CHECK_EVERY: Duration = Duration::from_secs(30);
/// Below this many connections at the high point there is little to give back.
const WORTH_IT: usize = 1_000;

pub fn spawn_trimmer(hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut high = 0;
        let mut tick = tokio::time::interval(CHECK_EVERY);
        loop {
            tick.tick().await;
            high = high.max(hub.take_peak());
            let open = hub.connection_count();
            if high >= WORTH_IT && open < high / 2 {
                high = open;
                let _ = tokio::task::spawn_blocking(trim).await;
            }
        }
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
