//! The 12345 hotline in the store: the first kind of work on the kernel. Its categories and
//! its time limits per (type, urgency) (`catalog`), orders and their detail table
//! (`work_orders`), the statistics facts and the figures read from them, the reply board,
//! Open311, the knowledge base, dispatch suggestions, hot topics and similar orders, imports of
//! past orders and the simulated city.

pub mod catalog;
pub mod dashboard;
mod facts;
mod new_order;
pub mod generate;
pub mod import;
pub mod knowledge;
pub mod open311;
pub mod orders;
pub mod photos;
pub mod publish;
pub mod rollup;
pub mod similar;
pub mod stats;
pub mod suggest;
mod topic_sample;
pub mod topics;
mod topic_words;
