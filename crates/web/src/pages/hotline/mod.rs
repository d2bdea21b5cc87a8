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

use prelude::*;

/// The units that take hotline work, for the dispatch pickers.
pub(crate) async fn handling_units(store: &Store) -> Result<Vec<Unit>, PageError> {
    Ok(store.units().await?.into_iter().filter(|u| u.kind.can_handle()).collect())
}

/// A category as the pickers offer it: its code, its path, and the unit it usually goes to.
pub struct CategoryOption {
    pub code: String,
    pub label: String,
    pub unit_name: String,
}

pub(crate) async fn category_options(store: &Store) -> Result<Vec<CategoryOption>, PageError> {
    let cats: Vec<Category> = store.categories().await?;
    let units = store.units().await?;
    let default_unit = |c: &Category| c.default_unit_id.as_ref().and_then(|u| units.iter().find(|x| &x.id == u));
    let name_of = |id: &Option<String>| id.as_ref().and_then(|i| cats.iter().find(|c| &c.id == i)).map(|c| c.name.clone());
    Ok(cats
        .iter()
        .filter(|c| c.parent_id.is_some() || !cats.iter().any(|x| x.parent_id.as_deref() == Some(c.id.as_str())))
        .map(|c| CategoryOption {
            code: c.code.clone(),
            label: match name_of(&c.parent_id) {
                Some(p) => format!("{p} › {}", c.name),
                None => c.name.clone(),
            },
            unit_name: default_unit(c).map(|u| u.name.clone()).unwrap_or_default(),
        })
        .collect())
}
