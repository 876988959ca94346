//! Integration tests: a fresh database per test (SQLite, or PostgreSQL when
//! `BIZDIRECT_TEST_POSTGRES_URL` is set; see `support`), the real router called in-process.

mod support;

mod auth;
mod backup;
mod bulk;
mod ca_at_rest;
mod certificates;
mod cli;
mod exports;
mod fuzz_args;
mod fuzz_csr;
mod group_commit;
mod hsm;
mod instances;
mod notices;
mod ocsp;
mod ops;
mod own_certificate;
mod passkeys;
mod reliability;
mod second_factor;
mod security;
mod tls;
mod tls_issuer;
mod user_side;
mod users;
