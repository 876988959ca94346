//! Blocking and CPU-heavy work off the async threads: PIN hashing (Argon2id, 20–40 ms a hash)
//! and the CA's signatures — an issued certificate (with its CSR's verification, about 0.1 ms on a
//! key file) or an OCSP response — which with a PKCS#11 token are a round trip to the HSM.
//!
//! Each kind of work has a pool of one thread per core that takes its jobs in arrival order, so a
//! burst queues instead of multiplying memory or threads, and the async threads stay free for the
//! tasks they wake: were the signing done on them, each of the group commit's database round trips
//! would wait about 3 ms for its turn during a burst of 512 acquisitions, against 0.1 ms with the
//! pool (docs/PERFORMANCE.md, P1).
//!
//! [`Priority::Background`] threads run at a lower scheduling priority (Linux nice +10): the work
//! still gets every cycle the machine has to spare, but a request that needs the CPU for a moment
//! — a page, a list, a certificate logon — gets it first, so a storm of logons cannot starve the
//! rest (P3). Signing keeps the normal priority: it is the acquisitions' own work, and at a lower
//! priority it loses the CPU to their commits, which then go out in batches of 14–19 and keep P1
//! below half its ceiling (docs/PERFORMANCE.md, P1).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

const NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// The pool was dropped or its threads could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0} threads stopped")]
pub struct Stopped(&'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The request threads' priority.
    Normal,
    /// Lower than the request threads (Linux nice +10).
    Background,
}

pub struct Pool {
    name: &'static str,
    jobs: mpsc::Sender<Job>,
    /// Jobs queued and not yet taken by a thread (the operators' queue-depth gauge).
    waiting: Arc<std::sync::atomic::AtomicUsize>,
}

impl Pool {
    /// Starts one thread per core, named `{name}-{i}`.
    pub fn new(name: &'static str, priority: Priority) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let waiting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for i in 0..cores {
            let (queue, taken) = (queue.clone(), waiting.clone());
            let spawned = std::thread::Builder::new().name(format!("{name}-{i}")).spawn(move || {
                if priority == Priority::Background {
                    lower_priority(name);
                }
                loop {
                    // The lock is held only while waiting for the next job, never while working.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => {
                            taken.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                            job();
                        }
                        Err(_) => return, // the pool was dropped
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!("cannot start a {name} thread: {e}");
            }
        }
        Self { name, jobs, waiting }
    }

    /// How many jobs wait for a thread now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `work` on one of the pool's threads; its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Stopped> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.spawn(move || {
            let _ = answer.send(work());
        })?;
        answered.await.map_err(|_| Stopped(self.name))
    }

    /// Queues `job` for one of the pool's threads, which hands its outcome on itself (an
    /// acquisition's job passes the signed certificate straight to the group commit).
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Stopped> {
        self.waiting.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.jobs.send(Box::new(job)).map_err(|_| {
            self.waiting.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            Stopped(self.name)
        })
    }
}

fn lower_priority(name: &str) {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICENESS) {
        tracing::warn!("{name} thread keeps normal priority: {e}");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The job's thread name and its nice value.
    fn whoami() -> (Option<String>, i32) {
        let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap_or(i32::MIN);
        (std::thread::current().name().map(str::to_owned), nice)
    }

    #[tokio::test]
    async fn jobs_run_on_the_pools_threads_at_its_priority() {
        let normal = Pool::new("test-normal", Priority::Normal);
        let background = Pool::new("test-background", Priority::Background);
        let (name, normal_nice) = normal.run(whoami).await.expect("normal pool");
        assert!(name.is_some_and(|n| n.starts_with("test-normal-")));
        let (name, background_nice) = background.run(whoami).await.expect("background pool");
        assert!(name.is_some_and(|n| n.starts_with("test-background-")));
        let own = rustix::process::getpriority_process(None).expect("own priority");
        assert_eq!(normal_nice, own, "normal: the process's priority");
        assert_eq!(background_nice, (own + NICENESS).min(19), "background: nice +{NICENESS}");
    }
}
