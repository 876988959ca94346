//! Integration tests: a fresh SQLite database per test, the real router called in-process.

mod support;

mod auth;
mod backup;
mod ca_at_rest;
mod certificates;
mod cli;
mod fuzz_args;
mod fuzz_csr;
mod hsm;
mod ocsp;
mod reliability;
mod security;
mod tls;
mod user_side;
mod users;
