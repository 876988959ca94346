//! Group commit of issuance (電子証明書取得's write): concurrent acquisitions share one write
//! transaction, one durable commit and a constant number of statements, instead of queueing for
//! the write lock and paying one fsync and several database round trips each.
//!
//! One writer task, on a thread of its own ([`db::spawn_writer`]), waits for an issuance, takes
//! its write turn ([`db::begin_write`]), then takes every issuance waiting (up to [`MAX_BATCH`]:
//! those that came while the turn was awaited join the batch) and, inside that one transaction:
//! 1. reads the holders' live rows with one `SELECT` (the batch's holders as `VALUES`,
//!    [`db::certificates::live_of_many`]) and decides each issuance: completed, or why not (no
//!    open issuance, its window has closed, the holder is blocked);
//! 2. completes the open issuances with one `UPDATE` ([`db::certificates::complete`]);
//! 3. appends their audit records with one `INSERT` (the chain's head read once,
//!    [`audit::record_all`]);
//! 4. commits.
//!
//! Signing threads hand their certificates to the writer's queue themselves ([`Queue::submit`]),
//! so an acquisition's task is woken once, with its answer, not once for the signature and again
//! for the commit.
//!
//! Every answer is handed back only after that commit returned: nothing is acknowledged before it
//! is on disk (as for every other write: WAL + `synchronous = FULL`; on PostgreSQL the batch
//! takes the same advisory write lock as any writer). The outcomes are those of running the
//! issuances one after another in arrival order: of two acquisitions for one holder in a batch, the
//! first completes the issuance and the second finds none open. If a statement fails, the whole
//! batch is undone and each issuance is answered with an internal error; the issuances stay open,
//! so the holders can try again. An issuance whose requester has gone away is not done.

use super::lifecycle::open_in;
use crate::error::AppError;
use crate::model::AcquiredCertificate;
use crate::ssr::audit::{self, Event, Outcome};
use crate::ssr::db::{self, certificates::CertRow, certificates::Completed};
use crate::ssr::outbox::{self, Notice};
use crate::ssr::Settings;
use crate::ssr::{internal, telemetry};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// The most issuances one commit carries.
pub const MAX_BATCH: usize = 256;

/// One acquisition's write: the certificate (signed, not yet stored) for a checked holder.
pub struct Issuance {
    pub corporation_id: i64,
    /// `None`: the administrator.
    pub user_pk: Option<i64>,
    /// The contract is suspended, or the user 利用停止 / 事故登録 (as read when the PINs were checked).
    pub blocked: bool,
    pub serial: Vec<u8>,
    pub der: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    /// For the audit record.
    pub actor: String,
    pub target: String,
    pub client_addr: String,
    pub now: i64,
    /// What the holder gets once the certificate is stored.
    pub answer: AcquiredCertificate,
    /// 電子証明書取得完了のお知らせ, written with the certificate (none without an address).
    pub notices: Vec<Notice>,
}

impl Issuance {
    fn holder(&self) -> (i64, i64) {
        (self.corporation_id, self.user_pk.unwrap_or(0))
    }
}

/// Where an issuance's outcome goes: its answer once stored, or why not.
pub type Reply = oneshot::Sender<Result<AcquiredCertificate, AppError>>;

struct Job {
    issuance: Issuance,
    reply: Reply,
}

/// The writer task's queue; any thread may submit to it.
#[derive(Clone)]
pub struct Queue(mpsc::UnboundedSender<Job>);

impl Queue {
    /// Puts `issuance` in the next batch; `reply` gets the answer once that batch is committed.
    pub fn submit(&self, issuance: Issuance, reply: Reply) {
        if let Err(mpsc::error::SendError(job)) = self.0.send(Job { issuance, reply }) {
            let _ = job.reply.send(Err(internal("group commit", "writer stopped")));
        }
    }
}

/// The group commit: its writer task starts at the first issuance.
pub struct GroupCommit {
    pool: db::Pool,
    /// For the notices written with the certificates.
    settings: Arc<Settings>,
    queue: OnceLock<Queue>,
}

impl GroupCommit {
    pub fn new(pool: db::Pool, settings: Arc<Settings>) -> Self {
        Self { pool, settings, queue: OnceLock::new() }
    }

    /// The writer's queue (call inside the runtime: the first call starts the writer).
    pub fn queue(&self) -> Queue {
        self.queue
            .get_or_init(|| {
                let (queue, jobs) = mpsc::unbounded_channel();
                db::spawn_writer("issuances", writer(self.pool.clone(), self.settings.clone(), jobs));
                Queue(queue)
            })
            .clone()
    }
}

async fn writer(pool: db::Pool, settings: Arc<Settings>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let tx = db::begin_write(&pool).await;
        if tx.is_ok() {
            db::join_waiting(&mut jobs, &mut batch, MAX_BATCH);
        }
        let (issuances, replies): (Vec<_>, Vec<_>) =
            batch.drain(..).filter(|job| !job.reply.is_closed()).map(|job| (job.issuance, job.reply)).unzip();
        if issuances.is_empty() {
            continue;
        }
        let answers = match run_batch(tx, &settings, &issuances).await {
            Ok(answers) => {
                telemetry::group_commit(issuances.len());
                telemetry::certificates_issued("acquisition", answers.iter().filter(|a| a.is_ok()).count());
                answers
            }
            Err(e) => {
                let answer = if db::unavailable(&e) { AppError::Unavailable } else { AppError::Internal };
                tracing::error!("group commit of {} issuance(s) failed, none happened: {e}", issuances.len());
                issuances.iter().map(|_| Err(answer.clone())).collect()
            }
        };
        for ((reply, answer), issuance) in replies.into_iter().zip(answers).zip(issuances) {
            let _ = reply.send(answer.map(|()| issuance.answer));
        }
    }
}

/// Does the batch in `tx` (or fails with why the write turn could not be had) and commits it;
/// each issuance's answer, or an error that undid the whole batch.
async fn run_batch(
    tx: Result<db::WriteTx, sqlx::Error>,
    mail: &Settings,
    batch: &[Issuance],
) -> Result<Vec<Result<(), AppError>>, sqlx::Error> {
    let mut tx = tx?;
    let mut holders: Vec<(i64, Option<i64>)> =
        batch.iter().filter(|i| !i.blocked).map(|i| (i.corporation_id, i.user_pk)).collect();
    holders.sort_unstable();
    holders.dedup();
    let mut live: HashMap<(i64, i64), CertRow> = db::certificates::live_of_many(&mut tx, &holders)
        .await?
        .into_iter()
        .map(|row| ((row.corporation_id, row.user_pk.unwrap_or(0)), row))
        .collect();
    // In arrival order, as if one after another: a holder's first acquisition completes the open
    // issuance, a second one then finds none.
    let mut answers = Vec::with_capacity(batch.len());
    let mut completions = Vec::new();
    for i in batch {
        let open = if i.blocked {
            Err(AppError::NoOpenIssuance)
        } else {
            let row = live.get_mut(&i.holder());
            let open = open_in(row.as_deref().cloned(), i.now);
            if let (Ok(_), Some(row)) = (&open, row) {
                "issued".clone_into(&mut row.state);
            }
            open
        };
        answers.push(open.map(|row| completions.push((row.id, i))));
    }
    let certificates: Vec<(i64, Completed<'_>, i64)> = completions
        .iter()
        .map(|(id, i)| {
            let c = Completed {
                serial: &i.serial,
                der: &i.der,
                not_before: i.not_before,
                not_after: i.not_after,
            };
            (*id, c, i.now)
        })
        .collect();
    let completed = db::certificates::complete(&mut tx, &certificates).await?;
    if completed != certificates.len() {
        return Err(sqlx::Error::Protocol(format!(
            "{completed} of {} issuances completed",
            certificates.len()
        )));
    }
    let details: Vec<String> = completions
        .iter()
        .map(|(_, i)| format!("serial={} not_after={}", hex::encode(&i.serial), i.not_after))
        .collect();
    let records: Vec<(Event<'_>, i64)> = completions
        .iter()
        .zip(&details)
        .map(|((_, i), detail)| {
            let event = Event {
                actor: &i.actor,
                corporation_id: Some(i.corporation_id),
                action: "certificate_acquire",
                target: &i.target,
                outcome: Outcome::Success,
                detail,
                client_addr: &i.client_addr,
            };
            (event, i.now)
        })
        .collect();
    audit::record_all(&mut tx, &records).await?;
    for (_, i) in &completions {
        for notice in &i.notices {
            outbox::enqueue(&mut tx, mail, notice, i.now).await?;
        }
    }
    tx.commit().await?;
    Ok(answers)
}
