//! Orders listed: filtered, searched, paged, and their list rows.

use super::*;

impl Store {
    /// Orders a member of staff may read, newest first, filtered and paged.
    pub async fn list_orders(&self, staff: &Staff, f: &ListFilter) -> Result<Page<OrderSummary>, StoreError> {
        let per_page = f.per_page.unwrap_or(20).clamp(1, 200);
        let page = f.page.unwrap_or(1).max(1);
        let (conds, binds, searched) = self.order_conditions(staff, f).await?;
        if searched.as_ref().is_some_and(|(_, ids)| ids.is_empty()) {
            return Ok(Page { items: Vec::new(), total: 0, page, per_page });
        }
        self.list_with(staff, conds, binds, searched, page, per_page).await
    }

    /// The SQL conditions (on `w` work_items and `o` work_orders) of a filter, within what
    /// `staff` may see, their binds, and a search's words and ranked ids.
    pub(crate) async fn order_conditions(&self, staff: &Staff, f: &ListFilter) -> Result<(Vec<String>, Vec<String>, Option<(String, Vec<String>)>), StoreError> {
        let mut conds = vec!["w.kind = 'work_order'".to_string()];
        let mut binds: Vec<String> = Vec::new();
        if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty()) {
            let st = State::parse(s).ok_or_else(|| DomainError::invalid("invalid_state_filter", format!("状态“{s}”不存在")))?;
            binds.push(st.as_str().into());
            conds.push(format!("w.state = ${}", binds.len()));
        }
        if let Some(t) = f.order_type.as_deref().filter(|s| !s.is_empty()) {
            let ot = OrderType::parse(t).ok_or_else(|| DomainError::invalid("invalid_order_type", format!("诉求类型“{t}”不存在")))?;
            binds.push(ot.as_str().into());
            conds.push(format!("o.order_type = ${}", binds.len()));
        }
        if let Some(p) = f.phone.as_deref().filter(|s| !s.is_empty()) {
            if !staff.is_hotline() {
                return Err(DomainError::forbidden("not_allowed_for_user", "只有热线中心可以按电话号码查询").into());
            }
            binds.push(validate::phone(p)?);
            conds.push(format!("o.citizen_phone = ${}", binds.len()));
        }
        if let Some(u) = f.unit_id.as_deref().filter(|s| !s.is_empty()) {
            let unit = self.resolve_unit(u).await?.ok_or_else(|| DomainError::invalid("unknown_unit", format!("单位“{u}”不存在")))?;
            binds.push(unit.id);
            conds.push(format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id = ${})", binds.len()));
        }
        if let Scope::Units(units) = Store::scope_of(staff) {
            let (clause, _) = in_clause(binds.len() + 1, units.len());
            binds.extend(units);
            conds.push(format!("w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id IN {clause})"));
        }
        if let Some(c) = f.category_id.as_deref().filter(|s| !s.is_empty()) {
            let cat = self.category(c).await?.ok_or_else(|| DomainError::invalid("unknown_category", format!("分类“{c}”不存在")))?;
            // The category and the categories below it.
            let all = self.categories().await?;
            let mut ids = vec![cat.id.clone()];
            let mut i = 0;
            while i < ids.len() {
                let parent = ids[i].clone();
                ids.extend(all.iter().filter(|x| x.parent_id.as_deref() == Some(&parent)).map(|x| x.id.clone()));
                i += 1;
            }
            let (clause, _) = in_clause(binds.len() + 1, ids.len());
            binds.extend(ids);
            conds.push(format!("o.category_id IN {clause}"));
        }
        let off = self.offset();
        for (day, end, op) in [(&f.from, false, ">="), (&f.to, true, "<")] {
            if let Some(d) = day.as_deref().filter(|s| !s.is_empty()) {
                let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| DomainError::invalid("invalid_date", format!("日期“{d}”格式不正确，应为 YYYY-MM-DD")))?;
                let date = if end { date.succ_opt().unwrap_or(date) } else { date };
                let ms = date
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(off).single())
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(0);
                // An integer parsed here, not text from the request.
                conds.push(format!("w.created_at {op} {ms}"));
            }
        }
        let searched = match f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(q) => Some((q.to_string(), self.search_ids(q, &["order", "answer"]).await?)),
            None => None,
        };
        if let Some((_, ids)) = &searched && !ids.is_empty() {
            let (clause, _) = in_clause(binds.len() + 1, ids.len());
            binds.extend(ids.iter().cloned());
            conds.push(format!("w.id IN {clause}"));
        }
        Ok((conds, binds, searched))
    }

    async fn list_with(
        &self,
        staff: &Staff,
        conds: Vec<String>,
        binds: Vec<String>,
        searched: Option<(String, Vec<String>)>,
        page: u32,
        per_page: u32,
    ) -> Result<Page<OrderSummary>, StoreError> {
        let filter = conds.join(" AND ");
        if let Some((q, ranked)) = searched {
            // Search results come in the order of their rank, which the database gave for
            // the words alone: filter here, then page.
            let join = if filter.contains("o.") { "JOIN work_orders o ON o.id = w.id" } else { "" };
            let mut lq = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("SELECT w.id FROM work_items w {join} WHERE {filter}")));
            for b in &binds {
                lq = lq.bind(b);
            }
            let keep: std::collections::HashSet<String> = lq.fetch_all(self.pool()).await?.into_iter().collect();
            let hits: Vec<String> = ranked.into_iter().filter(|id| keep.contains(id)).collect();
            let total = hits.len() as i64;
            let ids: Vec<String> = hits.into_iter().skip(((page - 1) * per_page) as usize).take(per_page as usize).collect();
            let viewer = Viewer::of(staff);
            let mut items = self.summaries(&ids, viewer).await?;
            let texts = self.texts_of(&ids).await?;
            let words = self.query_words(&q).await?;
            for it in &mut items {
                if let Some((content, answer)) = texts.get(&it.id) {
                    let mut pieces = crate::search::snippet(content, &words, 80);
                    if !pieces.iter().any(|p| p.hit) && let Some(a) = answer {
                        pieces = crate::search::snippet(a, &words, 80);
                    }
                    it.snippet = Some(viewer.pieces(pieces));
                }
            }
            return Ok(Page { items, total, page, per_page });
        }
        // The join is needed only when a condition reads the order's own columns.
        let join = if filter.contains("o.") { "JOIN work_orders o ON o.id = w.id" } else { "" };
        let count_sql = format!("SELECT COUNT(*) FROM work_items w {join} WHERE {filter}");
        let mut cq = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
        for b in &binds {
            cq = cq.bind(b);
        }
        let total = cq.fetch_one(self.pool()).await?;
        let list_sql = format!(
            "SELECT w.id FROM work_items w {join} WHERE {filter}
             ORDER BY w.created_at DESC, w.id DESC LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let mut lq = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(list_sql));
        for b in &binds {
            lq = lq.bind(b);
        }
        let ids = lq.fetch_all(self.pool()).await?;
        let items = self.summaries(&ids, Viewer::of(staff)).await?;
        Ok(Page { items, total, page, per_page })
    }

    /// The content and answer of these orders, for snippets. Confidential orders' text is
    /// shown to those who may read the order at all, as on the order's own page.
    pub(super) async fn texts_of(&self, ids: &[String]) -> Result<std::collections::HashMap<String, (String, Option<String>)>, StoreError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let (clause, _) = in_clause(1, ids.len());
        let mut q = sqlx::query_as::<_, (String, String, Option<String>)>(sqlx::AssertSqlSafe(format!(
            "SELECT id, content, answer FROM work_orders WHERE id IN {clause}"
        )));
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.fetch_all(self.pool()).await?.into_iter().map(|(id, c, a)| (id, (c, a))).collect())
    }

    /// List rows of these orders, in this order: two queries, whatever the page size.
    pub(crate) async fn summaries(&self, ids: &[String], viewer: Viewer) -> Result<Vec<OrderSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let names = self.unit_names().await?;
        let now = Utc::now();
        let (clause, _) = in_clause(1, ids.len());
        let sql = format!(
            "SELECT w.id, w.number, w.state, w.title, w.lead_unit_id, w.created_at, o.order_type, o.urgency
             FROM work_items w JOIN work_orders o ON o.id = w.id WHERE w.id IN {clause}"
        );
        let mut q = sqlx::query_as::<_, (String, String, String, String, Option<String>, i64, String, String)>(
            sqlx::AssertSqlSafe(sql),
        );
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let sql = format!(
            "SELECT work_id, kind, due_at, provisional, met_at, started_at, warn_at, working FROM deadlines
             WHERE work_id IN {clause} AND active = 1"
        );
        let mut q = sqlx::query_as::<_, (String, String, i64, i64, Option<i64>, Option<i64>, Option<i64>, i64)>(
            sqlx::AssertSqlSafe(sql),
        );
        for id in ids {
            q = q.bind(id);
        }
        let mut deadlines: BTreeMap<(String, DeadlineKind), DeadlineState> = BTreeMap::new();
        for (work_id, kind, due, prov, met, started, warn, working) in q.fetch_all(self.pool()).await? {
            if let Some(k) = DeadlineKind::parse(&kind) {
                deadlines.insert((work_id, k), due_state(due, prov, met, started, warn, working));
            }
        }
        let mut by_id: BTreeMap<String, OrderSummary> = BTreeMap::new();
        for (id, number, state, title, lead, created_at, order_type, urgency) in rows {
            let bad = |what: &str| StoreError::Other(format!("order {id}: bad {what}"));
            let state = State::parse(&state).ok_or_else(|| bad("state"))?;
            let order_type = OrderType::parse(&order_type).ok_or_else(|| bad("type"))?;
            let urgency = Urgency::parse(&urgency).ok_or_else(|| bad("urgency"))?;
            let next_due = hotline::paced_by(state)
                .and_then(|k| deadlines.get(&(id.clone(), k)).map(|d| deadline_view(k, d, now)));
            let lead_unit = lead.map(|u| UnitName { name: names.get(&u).cloned().unwrap_or_default(), id: u });
            by_id.insert(
                id.clone(),
                OrderSummary {
                    kind: Hotline::NAME,
                    id,
                    number,
                    state,
                    state_label: state.label(),
                    order_type,
                    order_type_label: order_type.label(),
                    urgency,
                    subject: viewer.text(&title),
                    lead_unit,
                    created_at: from_ms(created_at),
                    next_due,
                    snippet: None,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Earlier orders from the same phone number (for the operator on the phone).
    pub async fn orders_by_phone(&self, staff: &Staff, phone: &str) -> Result<Page<OrderSummary>, StoreError> {
        self.list_orders(staff, &ListFilter { phone: Some(phone.into()), per_page: Some(20), ..Default::default() }).await
    }
}
