//! The public listing behind Open311 GeoReport v2: non-confidential orders with what a public
//! client may see (no names or phone numbers).

use chrono::{DateTime, Utc};
use serde::Serialize;

use sanfu_domain::privacy::mask_text;

use crate::db::{Store, StoreError, from_ms, to_ms};

#[derive(Debug, Clone, Serialize)]
pub struct PublicRequest {
    pub number: String,
    pub state: String,
    pub category_code: String,
    pub category_name: String,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub unit_name: Option<String>,
    pub answer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub answer_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub numbers: Vec<String>,
    /// Only these orders (by id), for a search.
    pub ids: Option<Vec<String>>,
    pub category_codes: Vec<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Open (not ended) or closed (ended) only.
    pub closed: Option<bool>,
    /// Only orders the centre has published on the reply board, with the approved texts.
    pub published_only: bool,
    pub limit: u32,
    /// Rows skipped first (the reply board's pages).
    pub offset: u32,
}

type Row = (String, String, String, String, Option<String>, Option<f64>, Option<f64>, Option<String>, Option<String>, i64, i64, Option<i64>);

impl Store {
    pub async fn public_requests(&self, f: &PublicFilter) -> Result<Vec<PublicRequest>, StoreError> {
        let mut conds = vec!["w.kind = 'work_order'".to_string(), "o.confidential = 0".to_string()];
        let mut binds: Vec<String> = Vec::new();
        let mut n = 0;
        let mut ph = |binds: &mut Vec<String>, v: String| {
            binds.push(v);
            n += 1;
            format!("${n}")
        };
        if !f.numbers.is_empty() {
            let list: Vec<String> = f.numbers.iter().map(|x| ph(&mut binds, x.clone())).collect();
            conds.push(format!("w.number IN ({})", list.join(", ")));
        }
        if let Some(ids) = &f.ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = ids.iter().map(|x| ph(&mut binds, x.clone())).collect();
            conds.push(format!("w.id IN ({})", list.join(", ")));
        }
        let cats = self.categories().await?;
        if !f.category_codes.is_empty() {
            let ids: Vec<String> = cats.iter().filter(|c| f.category_codes.contains(&c.code)).map(|c| c.id.clone()).collect();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = ids.into_iter().map(|x| ph(&mut binds, x)).collect();
            conds.push(format!("o.category_id IN ({})", list.join(", ")));
        }
        match f.closed {
            // An item is closed exactly when it reached an end of its kind (the kernel sets closed_at).
            Some(true) => conds.push("w.closed_at IS NOT NULL".into()),
            Some(false) => conds.push("w.closed_at IS NULL".into()),
            None => {}
        }
        let from = f.from.map(to_ms).unwrap_or(0);
        let to = f.to.map(to_ms).unwrap_or(i64::MAX);
        let a = n + 1;
        let b = n + 2;
        conds.push(format!("w.created_at >= ${a} AND w.created_at <= ${b}"));
        let sql = format!(
            "SELECT w.number, w.state, o.category_id, COALESCE(p.content, o.content), o.address, o.lat, o.lng, w.lead_unit_id,
                    COALESCE(p.answer, o.answer), w.created_at, w.updated_at, d.due_at
             FROM work_items w JOIN work_orders o ON o.id = w.id
             LEFT JOIN deadlines d ON d.work_id = w.id AND d.kind = 'answer' AND d.active = 1
             {} JOIN publications p ON p.work_id = w.id AND p.withdrawn_at IS NULL
             WHERE {} ORDER BY w.created_at DESC, w.id DESC LIMIT {} OFFSET {}",
            if f.published_only { "" } else { "LEFT" },
            conds.join(" AND "),
            f.limit.clamp(1, 1000),
            f.offset
        );
        let mut q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        for v in &binds {
            q = q.bind(v);
        }
        let rows = q.bind(from).bind(to).fetch_all(self.pool()).await?;
        let units = self.units().await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let cat = cats.iter().find(|c| c.id == r.2);
                PublicRequest {
                    number: r.0,
                    state: r.1,
                    category_code: cat.map(|c| c.code.clone()).unwrap_or_default(),
                    category_name: cat.map(|c| c.name.clone()).unwrap_or_default(),
                    // Public: whatever was typed, personal data masked (published texts were
                    // masked when approved; this is the second lock).
                    content: mask_text(&r.3).into_owned(),
                    address: r.4.map(|a| mask_text(&a).into_owned()),
                    lat: r.5,
                    lng: r.6,
                    unit_name: r.7.and_then(|u| units.iter().find(|x| x.id == u).map(|x| x.name.clone())),
                    answer: r.8.map(|a| mask_text(&a).into_owned()),
                    created_at: from_ms(r.9),
                    updated_at: from_ms(r.10),
                    answer_due: r.11.map(from_ms),
                }
            })
            .collect())
    }
}
