//! The API, tested through the real server on 127.0.0.1:0 against a fresh database: SQLite by
//! default, PostgreSQL when TEST_DATABASE_URL is set (each test gets a database of its own).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod abuse;
mod auth;
mod bad_input;
mod calendar;
mod citizens;
mod city;
mod concurrency;
mod crash;
mod desk;
mod hardening;
mod import;
mod info;
mod kernel;
mod lease;
mod knowledge;
mod lifecycle;
mod document;
mod meeting;
mod open311;
mod pages;
mod party;
mod privacy;
mod permissions;
mod returns_and_extensions;
mod servers;
mod stats;
mod storage;
mod supervision;
mod text;
mod warnings;
