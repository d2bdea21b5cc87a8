//! The leaders' dashboard's figures of the office's kinds of work beyond the hotline: every
//! kind's cards, supervision's funds, meetings and their decisions, documents,
//! information and party work, as one reader reads them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sanfu_domain::Staff;

use crate::db::{Store, StoreError};
use crate::document::view::DocumentFigures;
use crate::info::scores::InfoFigures;
use crate::kept::{Kept, Term};
use crate::meeting::view::MeetingRow;
use crate::party::project::PartyFigures;
use crate::supervision::FundsSummary;

/// How long the office's figures are shown before a reader has them read again (in the
/// background); past a minute, the reader waits: the open work's term, so that every figure
/// of the page is of the same age.
const OFFICE_TERM: Term = crate::kernel::figures::OPEN_WORK_TERM;

/// The figures of every kind of work but the hotline's own, of what one reader may read, as
/// read at `at`.
#[derive(Debug, Clone)]
pub struct OfficeFigures {
    pub at: DateTime<Utc>,
    /// Every kind's cards of the 30 days before `at` (its open work is the kept open work's,
    /// [`Store::open_by_kind`]).
    pub cards: Vec<(String, i64)>,
    /// Money arrived and not paid out.
    pub funds: FundsSummary,
    /// Meetings' decisions by how their items stand (done, green, yellow, red, none).
    pub decisions: BTreeMap<&'static str, u32>,
    /// The meetings from twelve hours before `at` to two weeks after.
    pub meetings: Vec<MeetingRow>,
    pub documents: DocumentFigures,
    pub info: InfoFigures,
    pub party: PartyFigures,
}

/// Whose figures: the reader (their own circulation copies and meetings are among them) and
/// the units they read (a portfolio changed is read afresh).
type OfficeKey = (String, Option<Vec<String>>);

impl Store {
    /// The office's figures as `staff` reads them, as kept: read at most ten seconds ago, or
    /// at most a minute ago while fresh ones are read behind the reader (see [`OFFICE_TERM`]).
    /// Some fifteen statements of six kinds' tables; a leader going back to the dashboard
    /// reads the kept ones, and the page says when they were read. The reader's own queues (待我处理)
    /// are not among them: they are counted on every view.
    pub async fn office_figures(&self, staff: &Staff) -> Result<Arc<OfficeFigures>, StoreError> {
        let units = Store::scope_of(staff).into_units();
        let key: OfficeKey = (staff.user_id.clone(), units.clone());
        let (store, staff) = (self.clone(), staff.clone());
        self.slots
            .get_or_default::<Kept<OfficeKey, Arc<OfficeFigures>>>()
            .get(key, OFFICE_TERM, "驾驶舱各类工作", move || async move {
                let now = Utc::now();
                let units = units.as_deref();
                let (cards, funds, decisions, meetings, info, documents, party) = tokio::try_join!(
                    store.cards_by_kind(now - Duration::days(30), units),
                    store.funds_summary(&staff),
                    store.decision_figures(&staff),
                    store.list_meetings(&staff, now - Duration::hours(12), now + Duration::days(14)),
                    store.info_figures(&staff, now),
                    store.document_figures(&staff, now),
                    store.party_figures(&staff, now),
                )?;
                Ok(Arc::new(OfficeFigures { at: now, cards, funds, decisions, meetings, documents, info, party }))
            })
            .await
    }
}
