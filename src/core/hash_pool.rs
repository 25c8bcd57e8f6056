//! The threads that run argon2. Each hash or check needs 19 MiB of working memory and a
//! core for about 30 ms; run on Tokio's blocking pool, a burst of 300 logins took a
//! thread and 19 MiB each (107 threads, 1.1–2.0 GB resident). Here a fixed few threads
//! take the work in order and the rest waits in line, so the memory is bounded by the
//! number of threads, and a burst costs time, not memory (docs/security.md).
//!
//! Each thread keeps its working memory between jobs (every check then costs the same,
//! which the login timing relies on) and gives it back after [`IDLE`] without work.

use argon2::Block;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, Once, OnceLock, PoisonError};
use std::time::Duration;

/// A thread that had nothing to do for this long frees its working memory (as Tokio
/// ended an idle blocking thread after 10 s).
const IDLE: Duration = Duration::from_secs(10);
/// The automatic size never exceeds this: 4 × 19 MiB keeps a burst within the memory
/// budget of `ebok serve` (128 MB), and four threads check over 100 passwords a second.
const MAX_AUTO_THREADS: usize = 4;

/// One piece of work, given the thread's kept working memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

struct Pool {
    queue: Mutex<VecDeque<Job>>,
    ready: Condvar,
    threads: usize,
}

/// Threads asked for by the configuration (0: automatic), read when the pool starts.
static CONFIGURED: AtomicUsize = AtomicUsize::new(0);
static POOL: OnceLock<Pool> = OnceLock::new();
static STARTED: Once = Once::new();
/// Threads that did start (a failed spawn leaves fewer).
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Sets the number of hashing threads (`security.password_hash_threads`, 0: one per
/// core, at most [`MAX_AUTO_THREADS`]). Takes effect only before the first hash: the
/// process has one pool.
pub fn configure(threads: usize) {
    CONFIGURED.store(threads, Ordering::Relaxed);
}

/// How many threads the pool has (or will have when it starts).
pub fn threads() -> usize {
    POOL.get().map_or_else(wanted, |p| p.threads)
}

fn wanted() -> usize {
    match CONFIGURED.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_AUTO_THREADS),
        n => n,
    }
}

fn pool() -> &'static Pool {
    let pool = POOL.get_or_init(|| Pool {
        queue: Mutex::new(VecDeque::new()),
        ready: Condvar::new(),
        threads: wanted(),
    });
    STARTED.call_once(|| {
        for i in 0..pool.threads {
            let spawned = std::thread::Builder::new()
                .name(format!("ebok-argon2-{i}"))
                .spawn(move || pool.work());
            match spawned {
                Ok(_) => {
                    RUNNING.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::error!(error = %e, "could not start a password hashing thread"),
            }
        }
    });
    pool
}

/// Runs `f` on a hashing thread, after the jobs already waiting.
pub async fn run<T: Send + 'static>(
    f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
) -> anyhow::Result<T> {
    let pool = pool();
    anyhow::ensure!(
        RUNNING.load(Ordering::Relaxed) > 0,
        "no password hashing thread could be started"
    );
    let (tx, rx) = tokio::sync::oneshot::channel();
    pool.push(Box::new(move |blocks| {
        // A caller that went away (a command cut off at shutdown) needs no answer.
        if !tx.is_closed() {
            let _ = tx.send(f(blocks));
        }
    }));
    rx.await
        .map_err(|_| anyhow::anyhow!("the password hashing thread failed"))
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Job>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, job: Job) {
        let mut queue = self.lock();
        queue.push_back(job);
        crate::metrics::get().password_hash_waiting(queue.len());
        drop(queue);
        self.ready.notify_one();
    }

    fn work(&self) {
        let mut blocks: Vec<Block> = Vec::new();
        loop {
            let job = self.next(&mut blocks);
            // A panic inside argon2 fails that one call (its caller gets an error), not
            // the thread.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut blocks)));
        }
    }

    /// The next job; while waiting, the working memory is freed after [`IDLE`].
    fn next(&self, blocks: &mut Vec<Block>) -> Job {
        let mut queue = self.lock();
        loop {
            if let Some(job) = queue.pop_front() {
                crate::metrics::get().password_hash_waiting(queue.len());
                return job;
            }
            if blocks.capacity() == 0 {
                queue = self
                    .ready
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            let (q, waited) = self
                .ready
                .wait_timeout(queue, IDLE)
                .unwrap_or_else(PoisonError::into_inner);
            queue = q;
            if waited.timed_out() && queue.is_empty() {
                *blocks = Vec::new();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More jobs than threads at once: never more running together than the pool has
    /// threads, and every job is done.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn jobs_beyond_the_threads_wait_in_line() {
        static ACTIVE: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let jobs: Vec<_> = (0..40)
            .map(|i| {
                tokio::spawn(run(move |_| {
                    let now = ACTIVE.fetch_add(1, Ordering::SeqCst) + 1;
                    PEAK.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    ACTIVE.fetch_sub(1, Ordering::SeqCst);
                    i
                }))
            })
            .collect();
        let mut done = Vec::new();
        for job in jobs {
            done.push(job.await.unwrap().unwrap());
        }
        assert_eq!(done, (0..40).collect::<Vec<_>>());
        let peak = PEAK.load(Ordering::SeqCst);
        assert!(peak >= 1 && peak <= threads(), "{peak} at once");
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let failed = run(|_| -> u8 { panic!("inside a hash") }).await;
        assert!(failed.is_err());
        assert_eq!(run(|_| 7).await.unwrap(), 7);
    }
}
