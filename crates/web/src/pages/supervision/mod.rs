//! 督查督办's pages: the ledger, one item, funds, assessment and bulletin, the task import.

pub(crate) mod assess;
pub(crate) mod item;
pub(crate) mod ledger;

/// Fen as 万元, for the templates.
pub(crate) fn wan(fen: &i64) -> String {
    sanfu_domain::supervision::funds::wan(*fen)
}
