//! The hotline's pages: order search, 受理, the order page, statistics and the ranking for staff;
//! the public site (submit, follow, the reply board, the knowledge base) for citizens.

pub(crate) mod order;
pub(crate) mod order_new;
pub(crate) mod orders;
pub(crate) mod site;
pub(crate) mod stats;

/// What every hotline page is written with: the desk's prelude and the hotline's own types.
pub(crate) mod prelude {
    pub(crate) use crate::pages::desk::prelude::*;
    pub(crate) use sanfu_domain::hotline::{OrderType, State as OrderState};
    pub(crate) use sanfu_store::hotline::catalog::Category;
    pub(crate) use sanfu_store::hotline::orders::{ListFilter, OrderInput, OrderView};
    pub(crate) use sanfu_store::hotline::stats::{RankRow, Report};
    pub(crate) use crate::routes::hotline::orders::{ActionBody, build_action};
}
