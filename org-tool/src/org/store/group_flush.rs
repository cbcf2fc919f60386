//! Group commit: many tasks asking for durability share one fsync.
//!
//! Every claim that grants a lease, and every accepted submission, must be on disk before the
//! peer is told. A thousand donors claiming at once would otherwise queue a thousand flushes,
//! each an fsync of its own (sled's flushes serialise), and the org would grant no faster than
//! its disk syncs. Here a caller takes a ticket; if no flush is running it becomes the leader
//! and flushes for every ticket taken so far; the others wait for a flush that started after
//! their ticket. One flush runs at a time, on one blocking thread.

use std::sync::Mutex;

use tokio::sync::watch;

pub struct GroupFlush {
    state: Mutex<State>,
    /// The highest ticket known durable.
    done: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    /// Tickets handed out so far.
    issued: u64,
    /// Whether a leader is flushing.
    running: bool,
}

impl Default for GroupFlush {
    fn default() -> Self {
        GroupFlush { state: Mutex::new(State::default()), done: watch::channel(0).0 }
    }
}

impl GroupFlush {
    /// Returns once everything written before the call is durable, running `flush` (a blocking
    /// flush of the whole database) on tokio's blocking pool when this caller leads.
    pub async fn flush<E: Send + 'static>(
        &self,
        flush: impl Fn() -> Result<(), E> + Send + Clone + 'static,
        join_error: impl Fn(tokio::task::JoinError) -> E,
    ) -> Result<(), E> {
        let ticket = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.issued += 1;
            s.issued
        };
        loop {
            // Subscribe before looking, so a flush finishing in between still wakes us.
            let mut done = self.done.subscribe();
            if *done.borrow_and_update() >= ticket {
                return Ok(());
            }
            let lead = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                (!s.running).then(|| {
                    s.running = true;
                    s.issued
                })
            };
            let Some(covers) = lead else {
                // Someone else is flushing; it may not cover our ticket, so look again after.
                if done.changed().await.is_err() {
                    return Ok(()); // cannot happen: the sender lives in self
                }
                continue;
            };
            let f = flush.clone();
            let result = tokio::task::spawn_blocking(f).await.map_err(&join_error).and_then(|r| r);
            self.state.lock().unwrap_or_else(|p| p.into_inner()).running = false;
            match result {
                Ok(()) => self.done.send_modify(|d| *d = (*d).max(covers)),
                Err(e) => {
                    // Wake the waiters so one of them tries again, and report ours.
                    self.done.send_modify(|_| {});
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_callers_shares_few_flushes_and_each_is_covered() {
        let group = Arc::new(GroupFlush::default());
        let flushes = Arc::new(AtomicU64::new(0));
        // "Written" counts writes made before a flush began; each caller checks that a flush
        // started after its write.
        let written = Arc::new(AtomicU64::new(0));
        let durable = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..500 {
            let (group, flushes, written, durable) = (group.clone(), flushes.clone(), written.clone(), durable.clone());
            tasks.push(tokio::spawn(async move {
                let mine = written.fetch_add(1, Ordering::SeqCst) + 1;
                let (f, w, d) = (flushes.clone(), written.clone(), durable.clone());
                group
                    .flush(
                        move || -> Result<(), String> {
                            f.fetch_add(1, Ordering::SeqCst);
                            let upto = w.load(Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(5));
                            d.fetch_max(upto, Ordering::SeqCst);
                            Ok(())
                        },
                        |e| e.to_string(),
                    )
                    .await
                    .unwrap();
                assert!(durable.load(Ordering::SeqCst) >= mine, "returned before its write was flushed");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let n = flushes.load(Ordering::SeqCst);
        assert!(n < 100, "{n} flushes for 500 callers");
    }

    #[tokio::test]
    async fn a_failed_flush_is_reported_and_the_next_caller_flushes_again() {
        let group = GroupFlush::default();
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let f = fail.clone();
        let flush = move || if f.swap(false, Ordering::SeqCst) { Err("disk full".to_string()) } else { Ok(()) };
        assert_eq!(group.flush(flush.clone(), |e| e.to_string()).await, Err("disk full".into()));
        assert_eq!(group.flush(flush, |e| e.to_string()).await, Ok(()));
    }
}
