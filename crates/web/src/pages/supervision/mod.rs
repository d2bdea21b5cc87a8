//! 督查督办's pages: one item with its units, due dates, timeline and the forms its rule table
//! allows the reader.

pub(crate) mod item;
