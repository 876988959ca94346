//! Group commit of the administrators' writes (利用者情報登録/変更, 登録抹消, 一括再発行): concurrent
//! changes share one write transaction, one durable commit and one re-signing of each CRL they
//! touch, instead of each taking the write lock, re-signing its CRL and waiting for its own fsync.
//!
//! One writer task, on a thread of its own ([`db::spawn_writer`]), waits for a change, takes its
//! write turn ([`db::begin_write`]), and then takes every change waiting (up to [`MAX_BATCH`]):
//! those that came while the turn was awaited join the batch. Inside that one transaction it runs
//! each in arrival order within a savepoint of its own: a change that fails (a conflict, a
//! refusal, a failing statement) is rolled back to its savepoint and answered with its error,
//! and the others go on. The certificates the batch revoked are then signed into their
//! partitions' CRLs, each once ([`sign_revoked`]), still in the transaction that revokes them,
//! and the batch commits. Each change's answer is handed back only after that commit returned:
//! nothing is acknowledged before it is on disk. If the CRL or the commit fails, the whole batch
//! is undone and every change in it is answered with that error. A change whose requester has
//! gone away is still done (it may already be confirmed by its PIN); its answer is dropped.
//!
//! The outcomes are those of running the changes one after another in arrival order, each in its
//! own transaction: every invariant the rooms keep inside a transaction (one live certificate per
//! holder, the audit chain read and extended in order, the CRL naming every committed revocation)
//! holds for each change and for the batch.

use super::ca::Revoked;
use super::crl::sign_revoked;
use super::Pki;
use crate::error::AppError;
use crate::ssr::db::{self, Tx, WriteTx};
use crate::ssr::{internal, telemetry};
use futures::future::{BoxFuture, FutureExt as _};
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// The most changes one commit carries.
pub const MAX_BATCH: usize = 64;

/// The shared transaction a change runs in.
pub struct Batch {
    pub tx: WriteTx,
    /// Certificates revoked by the changes so far, signed into the CRL once before the commit.
    pub revoked: Vec<Revoked>,
}

impl Batch {
    /// The transaction and the list to add revoked certificates to, for the lifecycle's
    /// functions.
    pub fn parts(&mut self) -> (&mut Tx, &mut Vec<Revoked>) {
        (&mut self.tx, &mut self.revoked)
    }
}

/// How to answer a change once the batch's commit has returned.
type Answer = Box<dyn FnOnce(Result<(), AppError>) + Send>;

/// One change waiting for a batch.
trait Change: Send {
    /// Runs the change in `batch`: whether it succeeded (else it is rolled back to its
    /// savepoint), and its answer.
    fn run(self: Box<Self>, batch: &mut Batch) -> BoxFuture<'_, (bool, Answer)>;
    /// Answers the change without running it: the batch could not be run.
    fn refuse(self: Box<Self>, error: AppError);
}

struct Pending<T, F> {
    work: F,
    reply: oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> Change for Pending<T, F>
where
    T: Send + 'static,
    F: for<'t> FnOnce(&'t mut Batch) -> BoxFuture<'t, Result<T, AppError>> + Send + 'static,
{
    fn run(self: Box<Self>, batch: &mut Batch) -> BoxFuture<'_, (bool, Answer)> {
        let Pending { work, reply } = *self;
        Box::pin(async move {
            let outcome = work(batch).await;
            let ok = outcome.is_ok();
            let answer: Answer = Box::new(move |committed| {
                let _ = reply.send(committed.and(outcome));
            });
            (ok, answer)
        })
    }

    fn refuse(self: Box<Self>, error: AppError) {
        let _ = self.reply.send(Err(error));
    }
}

/// The writer: its task starts at the first change.
#[derive(Default)]
pub struct Writes {
    queue: OnceLock<mpsc::UnboundedSender<Box<dyn Change>>>,
}

impl Writes {
    /// Runs `work` in the next batch's transaction; its value once that batch is on disk, or its
    /// error (the change undone).
    pub async fn run<T, F>(&self, pki: &Pki, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut Batch) -> BoxFuture<'t, Result<T, AppError>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let queue = self.queue.get_or_init(|| {
            let (queue, jobs) = mpsc::unbounded_channel();
            db::spawn_writer("admin-writes", writer(pki.clone(), jobs));
            queue
        });
        queue.send(Box::new(Pending { work, reply })).map_err(|_| internal("writes", "writer stopped"))?;
        answer.await.map_err(|_| internal("writes", "a change was dropped"))?
    }
}

async fn writer(pki: Pki, mut jobs: mpsc::UnboundedReceiver<Box<dyn Change>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let committed = match db::begin_write(&pki.db).await {
            Ok(tx) => {
                db::join_waiting(&mut jobs, &mut batch, MAX_BATCH);
                Ok(tx)
            }
            Err(e) => Err(failed(e)),
        };
        let size = batch.len();
        let mut answers = Vec::with_capacity(size);
        let committed = match committed {
            Ok(tx) => run_batch(&pki, tx, &mut batch, &mut answers).await,
            Err(e) => Err(e),
        };
        match &committed {
            Ok(()) => telemetry::change_group_commit(size),
            Err(e) => tracing::error!("group commit of {size} change(s) failed, none happened: {e:?}"),
        }
        for change in batch.drain(..) {
            change.refuse(committed.clone().err().unwrap_or(AppError::Internal));
        }
        for answer in answers {
            answer(committed.clone());
        }
    }
}

/// Runs the changes in `tx` and commits it. Each change run leaves `jobs` and puts its
/// answer in `answers` (to be called with the commit's outcome); a change the batch could not run
/// stays in `jobs`.
async fn run_batch(
    pki: &Pki,
    tx: WriteTx,
    jobs: &mut Vec<Box<dyn Change>>,
    answers: &mut Vec<Answer>,
) -> Result<(), AppError> {
    let mut batch = Batch { tx, revoked: Vec::new() };
    let mut waiting = std::mem::take(jobs).into_iter();
    for change in waiting.by_ref() {
        if let Err(e) = savepoint(&mut batch.tx, "SAVEPOINT change").await {
            jobs.push(change);
            jobs.extend(waiting);
            return Err(failed(e));
        }
        let listed = batch.revoked.len();
        // A change that panics is undone like one that fails (its caller gets an internal
        // error); the writer and the other changes go on.
        let (ok, answer) =
            AssertUnwindSafe(change.run(&mut batch)).catch_unwind().await.unwrap_or_else(|_| {
                tracing::error!("a change panicked in the group commit; it is undone");
                let dropped: Answer = Box::new(drop);
                (false, dropped)
            });
        answers.push(answer);
        let end = if ok {
            savepoint(&mut batch.tx, "RELEASE SAVEPOINT change").await
        } else {
            batch.revoked.truncate(listed);
            match savepoint(&mut batch.tx, "ROLLBACK TO SAVEPOINT change").await {
                Ok(()) => savepoint(&mut batch.tx, "RELEASE SAVEPOINT change").await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = end {
            jobs.extend(waiting);
            return Err(failed(e));
        }
    }
    let Batch { mut tx, revoked } = batch;
    sign_revoked(&mut tx, pki, revoked, crate::ssr::now()).await?;
    tx.commit().await.map_err(failed)
}

/// A failure of the batch's own statements: every change in it gets this answer.
fn failed(e: sqlx::Error) -> AppError {
    if db::unavailable(&e) {
        AppError::Unavailable
    } else {
        internal("batch", e)
    }
}

async fn savepoint(tx: &mut Tx, statement: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(statement).execute(&mut **tx).await.map(drop)
}
