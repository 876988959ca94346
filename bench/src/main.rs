//! `bizdirect-bench`: the performance benchmarks of docs/PERFORMANCE.md that run against the
//! domain and the server (P1, P2, P3, P5's server half). Each works in a fresh temporary data
//! folder of its own — never on real data — and prints one table row per figure: medians and
//! rates measured in this run, beside the ceiling measured in the same run. Nothing here asserts
//! a time: the machines are shared and noisy. `bench/run.sh` builds and runs it with the browser
//! and page benchmarks.
//!
//! It reaches the domain through `app::ssr::bench` (the feature `bench`, which the shipped server
//! is built without) and starts the real server binary for the HTTPS benchmarks.

mod bank;
mod bulk;
pub mod client;
mod harness;
mod https;
mod issuance;
mod list;
mod revocation;
mod scrape;
mod spray;

use clap::{Parser, Subcommand};

/// The benchmarks of docs/PERFORMANCE.md, each on temporary data of its own.
#[derive(Debug, Parser)]
#[command(name = "bizdirect-bench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every figure below but `revocation`, with its defaults, one table
    All,
    /// P1: issuance in-process (CSR verify + sign + durable record + audit) beside the
    /// crypto-only ceiling
    Issuance {
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        /// Concurrent issuing tasks (more than one group-commit batch of 256 keeps both cores
        /// signing while a batch's commit waits for the disk)
        #[arg(long, default_value_t = 512)]
        tasks: usize,
        /// Rounds (ceiling, issuance, ceiling), each in a fresh data folder; with more than one,
        /// the medians are printed as well and judge the goal
        #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        rounds: usize,
        /// Certificates issued (untimed, for another corporation) before each round's issuance:
        /// how the rate holds up as a CA's database grows
        #[arg(long, default_value_t = 0)]
        preload: usize,
    },
    /// P2: reissue + acquire round trips through the HTTPS server functions
    RoundTrips {
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// P2 (b): store the benchmark's PIN hashes at Argon2id's lowest cost
        /// (m = 8 KiB, t = 1) in its temporary data, so that the round trips time everything
        /// but the PIN checks (the server verifies at the cost a stored hash names)
        #[arg(long)]
        cheap_pins: bool,
    },
    /// P2's revocation on a grown CA: 再発行 and the CRL's re-signing with many revoked
    /// certificates
    Revocation {
        /// Certificates revoked before the timed runs
        #[arg(long, default_value_t = 10_000)]
        revoked: usize,
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        runs: usize,
    },
    /// P11: acquisitions alone over HTTPS (cheap PIN hashes), beside P1 of the same run
    Acquisitions {
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 40_000)]
        count: usize,
    },
    /// P3: logon storm (Argon2id), timing other requests meanwhile
    LogonStorm {
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
    },
    /// S1: 利用者ログオン's latency and the throttle's cost with many sprayed keys beside none
    ThrottleSpray {
        #[arg(long, default_value_t = 200_000)]
        keys: usize,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// P8: the metrics scrape's database part at many corporations
    Scrape {
        #[arg(long, default_value_t = 10_000)]
        corporations: usize,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// P5 (server half): the user list server function for a corporation of many users
    List {
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// P12: bank scale — a corporation-heavy database, then issuance, 再発行, the CRL, and the
    /// server's `check` and `backup` on it
    Bank {
        #[arg(long, default_value_t = 10_000)]
        corporations: usize,
        #[arg(long, default_value_t = 25)]
        users_each: usize,
        /// Users per corporation whose earlier certificate is revoked (within its validity)
        #[arg(long, default_value_t = 5)]
        revoked_each: usize,
        #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        runs: usize,
    },
    /// P10: 利用者一括登録 of a full corporation, and the audit log's CSV export at many records
    Bulk {
        #[arg(long, default_value_t = 99)]
        users: usize,
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        #[arg(long, default_value_t = 5, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        runs: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    run(Cli::parse().command).await
}

async fn run(command: Command) -> anyhow::Result<()> {
    harness::heading();
    match command {
        Command::All => {
            // As many issuing tasks as P2 has clients, then enough to keep both cores signing
            // while a batch's commit waits for the disk (more than one batch of 256), in three
            // rounds: one reading of the ratio moves by several points with the machine's load.
            issuance::issuance(20_000, 32, 1, 0).await?;
            let p1 = issuance::issuance(20_000, 512, 3, 0).await?;
            https::round_trips(32, 20, Some(p1), false).await?;
            https::round_trips(32, 20, Some(p1), true).await?;
            https::acquisitions(32, 40_000, Some(p1)).await?;
            https::logon_storm(16, 15).await?;
            list::list(10_000, 20).await?;
            bulk::bulk(99, 100_000, 5).await?;
            spray::spray(200_000, 20).await?;
            scrape::scrape(10_000, 20).await?;
            bank::bank(10_000, 25, 5, 20).await
        }
        Command::Issuance { count, tasks, rounds, preload } => {
            issuance::issuance(count, tasks, rounds, preload).await.map(drop)
        }
        Command::RoundTrips { clients, seconds, cheap_pins } => {
            https::round_trips(clients, seconds, None, cheap_pins).await
        }
        Command::Revocation { revoked, runs } => revocation::revocation(revoked, runs).await,
        Command::Acquisitions { clients, count } => {
            let p1 = issuance::issuance(20_000, 512, 1, 0).await?;
            https::acquisitions(clients, count, Some(p1)).await
        }
        Command::LogonStorm { clients, seconds } => https::logon_storm(clients, seconds).await,
        Command::List { users, runs } => list::list(users, runs).await,
        Command::Bulk { users, records, runs } => bulk::bulk(users, records, runs).await,
        Command::ThrottleSpray { keys, runs } => spray::spray(keys, runs).await,
        Command::Scrape { corporations, runs } => scrape::scrape(corporations, runs).await,
        Command::Bank { corporations, users_each, revoked_each, runs } => {
            bank::bank(corporations, users_each, revoked_each, runs).await
        }
    }
}
