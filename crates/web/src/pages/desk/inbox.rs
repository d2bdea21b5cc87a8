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
    let queue = match q.queue {
        Some(k) => {
            let counts = st.store.queue_counts(&d.staff).await?;
            counts.iter().any(|c| sanfu_store::kernel::inbox::queue_key(c.kind, c.queue) == k).then_some(k)
        }
        None => None,
    };
    let inbox = st.store.inbox(&d.staff, page, per_page, queue.as_deref()).await?;
    let done = q.tab.as_deref() == Some("done");
    let (rows, total) = if done {
        let p = st.store.done(&d.staff, page, per_page).await?;
        (p.items.iter().map(|i| item_row(&i.item, i.order.as_ref(), "", off)).collect(), p.total)
    } else {
        let rows = inbox.items.iter().map(|i: &InboxItem| item_row(&i.item, i.order.as_ref(), i.waiting_for, off)).collect();
        (rows, inbox.listed)
    };
    let pages = ((total.max(1) as u32) + per_page - 1) / per_page;
    let p = InboxPage {
        nav: nav(&st, &d, "desk").await?,
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
