//! 我的待办 and 已办: what waits on this person, of every kind of work.

use crate::pages::desk::prelude::*;

#[derive(Template)]
#[template(path = "desk.html")]
pub(crate) struct InboxPage {
    nav: Nav,
    flash: Flash,
    counts: Vec<QueueCount>,
    total: i64,
    done: bool,
    /// The queue shown (`kind.queue`), or all of them.
    queue: String,
    listed: i64,
    rows: Vec<Row>,
    page: u32,
    pages: u32,
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    tab: Option<String>,
    queue: Option<String>,
    page: Option<u32>,
    #[serde(flatten)]
    flash: FlashQuery,
}

pub async fn inbox(State(st): State<AppState>, d: Desk, Query(q): Query<InboxQuery>) -> PageResult {
    let off = off(&st);
    let page = q.page.unwrap_or(1).max(1);
    let per_page = 20;
    // A queue not (or no longer) this person's is the whole inbox.
    let (inbox, queue) = match st.store.inbox(&d.staff, page, per_page, q.queue.as_deref()).await {
        Err(sanfu_store::StoreError::Domain(e)) if e.code == "unknown_queue" => (st.store.inbox(&d.staff, page, per_page, None).await?, None),
        r => (r?, q.queue),
    };
    let done = q.tab.as_deref() == Some("done");
    let (rows, total) = if done {
        let p = st.store.done(&d.staff, page, per_page).await?;
        (p.items.iter().map(|i| item_row(&i.item, i.order.as_ref(), "", off)).collect(), p.total)
    } else {
        let rows = inbox.items.iter().map(|i: &InboxItem| item_row(&i.item, i.order.as_ref(), i.waiting_for, off)).collect();
        (rows, inbox.listed)
    };
    let pages = (total.max(1) as u32).div_ceil(per_page);
    let p = InboxPage {
        nav: nav_of(&d, "desk", &inbox.counts),
        flash: q.flash.flash(),
        counts: inbox.counts,
        total: inbox.total,
        listed: inbox.listed,
        queue: queue.unwrap_or_default(),
        done,
        rows,
        page,
        pages,
    };
    Ok(render(&p))
}
