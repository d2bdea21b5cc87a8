//! The order ledger as a file: every order a filter finds, read in batches straight from the
//! tables (no row cap of its own), masked for the reader.

use super::*;

/// One row of the order ledger as exported.
pub struct ExportRow {
    pub number: String,
    pub created_at: DateTime<Utc>,
    pub channel: &'static str,
    pub order_type: &'static str,
    pub urgency: &'static str,
    pub category: String,
    pub subject: String,
    pub content: String,
    pub address: String,
    pub citizen_name: String,
    pub citizen_phone: String,
    pub unit: String,
    pub state: &'static str,
    pub answer: String,
    pub satisfaction: &'static str,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Rows read per statement.
const BATCH: usize = 2_000;

impl Store {
    /// The export of what `f` finds, to be read batch by batch with [`Store::next_export_batch`]
    /// (newest first). `full` shows the citizen's name and number whole (the hotline centre,
    /// when it asks); otherwise they are masked, in the fields and inside the texts, and a
    /// confidential order's caller is not shown.
    pub async fn order_export(&self, staff: &Staff, f: &ListFilter, full: bool) -> Result<OrderExport, StoreError> {
        let (conds, binds, searched) = self.order_conditions(staff, f).await?;
        let done = searched.as_ref().is_some_and(|(_, ids)| ids.is_empty());
        // How many it carries, for the cap and the file's heading.
        let total = if done {
            0
        } else {
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM work_items w JOIN work_orders o ON o.id = w.id WHERE {}",
                conds.join(" AND ")
            )));
            for b in &binds {
                q = q.bind(b);
            }
            q.fetch_one(self.reader()).await?
        };
        Ok(OrderExport { conds, binds, full: full && staff.is_hotline(), after: None, done, total })
    }

    /// The next batch of an export (empty when it is finished): one statement, keyset-paged
    /// on the time and id of the last row, so every batch costs the same.
    pub async fn next_export_batch(&self, e: &mut OrderExport) -> Result<Vec<ExportRow>, StoreError> {
        if e.done {
            return Ok(Vec::new());
        }
        let mut conds = e.conds.clone();
        if let Some((at, _)) = &e.after {
            // The time is an integer of ours; the id is bound.
            conds.push(format!("(w.created_at < {at} OR (w.created_at = {at} AND w.id < ${}))", e.binds.len() + 1));
        }
        let sql = format!(
            "SELECT w.id, w.number, w.created_at, o.channel, o.order_type, o.urgency, c.name, w.title, o.content, o.address,
                    o.citizen_name, o.citizen_phone, o.confidential, u.name, w.state, o.answer, o.satisfaction, w.closed_at
             FROM work_items w JOIN work_orders o ON o.id = w.id
             LEFT JOIN categories c ON c.id = o.category_id LEFT JOIN units u ON u.id = w.lead_unit_id
             WHERE {} ORDER BY w.created_at DESC, w.id DESC LIMIT {BATCH}",
            conds.join(" AND ")
        );
        let mut r = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &e.binds {
            r = r.bind(b);
        }
        if let Some((_, id)) = &e.after {
            r = r.bind(id);
        }
        let rows = r.fetch_all(self.reader()).await?;
        e.done = rows.len() < BATCH;
        let viewer = Viewer { full: e.full };
        let mut out = Vec::with_capacity(rows.len());
        for x in &rows {
            let g = |i: usize| -> Result<Option<String>, StoreError> { Ok(x.try_get::<Option<String>, _>(i)?) };
            let t = |i: usize| -> Result<String, StoreError> { Ok(g(i)?.unwrap_or_default()) };
            let at: i64 = x.try_get(2)?;
            let confidential = x.try_get::<i64, _>(12)? == 1;
            let (name, phone) = if e.full {
                (t(10)?, t(11)?)
            } else if confidential {
                ("（保密）".to_string(), "（保密）".to_string())
            } else {
                (g(10)?.as_deref().map(validate::mask_name).unwrap_or_default(), g(11)?.as_deref().map(validate::mask_phone).unwrap_or_default())
            };
            out.push(ExportRow {
                number: t(1)?,
                created_at: from_ms(at),
                channel: Channel::parse(&t(3)?).map(|c| c.label()).unwrap_or(""),
                order_type: OrderType::parse(&t(4)?).map(|t| t.label()).unwrap_or(""),
                urgency: Urgency::parse(&t(5)?).map(|u| u.label()).unwrap_or(""),
                category: t(6)?,
                subject: viewer.text(&t(7)?),
                content: viewer.text(&t(8)?),
                address: g(9)?.as_deref().map(|a| viewer.text(a)).unwrap_or_default(),
                citizen_name: name,
                citizen_phone: phone,
                unit: t(13)?,
                state: State::parse(&t(14)?).map(|s| s.label()).unwrap_or(""),
                answer: g(15)?.as_deref().map(|a| viewer.text(a)).unwrap_or_default(),
                satisfaction: g(16)?.as_deref().and_then(Satisfaction::parse).map(|s| s.label()).unwrap_or(""),
                closed_at: x.try_get::<Option<i64>, _>(17)?.map(from_ms),
            });
            e.after = Some((at, t(0)?));
        }
        Ok(out)
    }
}

/// An export under way: its conditions, and where the next batch starts.
pub struct OrderExport {
    /// The orders it carries in all.
    pub total: i64,
    conds: Vec<String>,
    binds: Vec<String>,
    full: bool,
    after: Option<(i64, String)>,
    done: bool,
}

impl Store {
    /// The subject, text and category id of the first `n` orders by number: a labelled set
    /// (the category) for measuring what reads the text.
    pub async fn order_texts(&self, n: usize) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT w.title, o.content, o.category_id FROM work_items w JOIN work_orders o ON o.id = w.id
             WHERE w.kind = 'work_order' ORDER BY w.number LIMIT $1",
        )
        .bind(n as i64)
        .fetch_all(self.reader())
        .await?)
    }
}
