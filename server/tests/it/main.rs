//! Integration tests: a fresh SQLite database per test, the real router called in-process.

mod support;

mod auth;
mod certificates;
mod cli;
mod security;
mod tls;
mod user_side;
mod users;
