//! Group commit: concurrent write transactions of the hot path (certificate issuance) share one
//! durable commit, instead of queueing for the write lock and paying one fsync each.
//!
//! One writer task takes the jobs waiting at the moment (up to [`MAX_BATCH`]), runs them one
//! after another inside one [`db::begin_write`] transaction — each inside its own SAVEPOINT, so a
//! job that fails is undone alone and the others go on — then commits once. Every job's answer
//! is handed back only after that commit returned: nothing is acknowledged before it is on disk
//! (durability is unchanged: WAL + `synchronous = FULL`). If the commit fails, every job of the
//! batch is answered with an internal error and none of them happened. Jobs see the effects of
//! the jobs before them (the audit chain, the one-live-certificate rule), exactly as if each had
//! committed alone in that order. A job whose requester has gone away is not run.
//!
//! Per job, three statements cross to the database (the savepoint — released together with the
//! next one's start — and the job's own two on the hot path); the audit chain's head is read once
//! per batch and carried in [`Batch`] from job to job.

use super::db::{self, Tx};
use super::internal;
use crate::error::AppError;
use sqlx::Executor;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// The most jobs one commit carries.
pub const MAX_BATCH: usize = 256;

/// What a job does inside the shared transaction.
pub type Work<'a, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 'a>>;

/// The shared transaction, as a job sees it.
pub struct Batch {
    pub tx: Tx,
    /// The audit chain's head after the jobs so far (`None`: not read yet, or forgotten after a
    /// job was undone); for [`audit::record_after`](super::audit::record_after).
    pub audit_head: Option<(i64, Vec<u8>)>,
}

type Answer = Result<Box<dyn Any + Send>, AppError>;

/// A job with its answer type erased (it is downcast back in [`GroupCommit::run`]).
type ErasedWork = Box<dyn for<'a> FnOnce(&'a mut Batch) -> Work<'a, Box<dyn Any + Send>> + Send>;

struct Job {
    work: ErasedWork,
    reply: oneshot::Sender<Answer>,
}

/// The queue to the writer task (started at the first job, inside the runtime).
pub struct GroupCommit {
    pool: db::Pool,
    queue: OnceLock<mpsc::UnboundedSender<Job>>,
}

impl GroupCommit {
    pub fn new(pool: db::Pool) -> Self {
        Self { pool, queue: OnceLock::new() }
    }

    /// Runs `work` in the next batch; its answer once that batch is committed.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Batch) -> Work<'a, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work: Box::new(move |batch| {
                Box::pin(async move { work(batch).await.map(|v| Box::new(v) as Box<dyn Any + Send>) })
            }),
            reply,
        };
        let queue = self.queue.get_or_init(|| {
            let (queue, jobs) = mpsc::unbounded_channel();
            tokio::spawn(writer(self.pool.clone(), jobs));
            queue
        });
        queue.send(job).map_err(|_| internal("group commit", "writer stopped"))?;
        let value = answer.await.map_err(|_| internal("group commit", "writer dropped a job"))??;
        value.downcast::<T>().map(|v| *v).map_err(|_| internal("group commit", "answer of another type"))
    }
}

type Works = Vec<ErasedWork>;

async fn writer(pool: db::Pool, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (works, replies): (Works, Vec<_>) =
            batch.drain(..).filter(|job| !job.reply.is_closed()).map(|job| (job.work, job.reply)).unzip();
        if works.is_empty() {
            continue;
        }
        let count = works.len();
        let answers = match run_batch(&pool, works).await {
            Ok(answers) => answers,
            Err(e) => {
                tracing::error!("group commit of {count} job(s) failed, none happened: {e}");
                (0..count).map(|_| Err(AppError::Internal)).collect()
            }
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

/// Runs the batch in one transaction and commits it; the jobs' own answers, or an error that
/// undid the whole batch.
async fn run_batch(pool: &db::Pool, works: Works) -> Result<Vec<Answer>, sqlx::Error> {
    let mut batch = Batch { tx: db::begin_write(pool).await?, audit_head: None };
    let mut answers = Vec::with_capacity(works.len());
    for (i, work) in works.into_iter().enumerate() {
        // COMMIT ends the last savepoint with the transaction.
        let start = if i == 0 { "SAVEPOINT job" } else { "RELEASE SAVEPOINT job; SAVEPOINT job" };
        // A plain string (no arguments) may hold two statements on both backends.
        (&mut *batch.tx).execute(start).await?;
        let answer = work(&mut batch).await;
        if answer.is_err() {
            sqlx::query("ROLLBACK TO SAVEPOINT job").execute(&mut *batch.tx).await?;
            batch.audit_head = None;
        }
        answers.push(answer);
    }
    batch.tx.commit().await?;
    Ok(answers)
}
