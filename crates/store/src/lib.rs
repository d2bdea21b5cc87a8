//! Persistence for Sanfu, on an embedded SQLite file or on PostgreSQL, chosen by the URL.
//!
//! One set of SQL serves both (sqlx's Any driver, `$1` placeholders, BIGINT for every integer).
//! Every write runs in a transaction through [`in_tx!`]: on SQLite the writes of this process go
//! one at a time behind a mutex (SQLite has one writer anyway, and this avoids busy errors); on
//! PostgreSQL they run concurrently and a transaction that loses a race — a version check on the
//! work item, a serialization failure (40001) or a deadlock (40P01) — is retried from the start.
//! A state change and its event are always written in the same transaction.

#[macro_use]
mod tx;
mod group;
mod kept;
mod upkeep;
mod batch;
pub mod apikeys;
pub mod calendar;
pub mod changes;
pub mod admin;
mod db;
pub mod events;
pub mod failover;
mod follow;
pub mod dashboard;
pub mod desk;
pub mod hotline;
pub mod info;
pub mod kernel;
pub mod lease;
mod kinds;
mod migrations;
pub mod search;
mod settings;
pub mod org;
pub mod party;
mod org_find;
mod org_import;
mod passwords;
pub mod seed;
pub mod instruction;
pub mod document;
pub mod meeting;
pub mod supervision;
pub mod throttle;

pub use db::{Backend, Store, StoreError, new_id, now_ms, from_ms, to_ms};
pub use upkeep::Checkpoint;
