//! Funds on supervision items: entries written with their event, each item's account, the
//! office's view of money sitting unpaid by unit and by item, and the sweep's warning when an
//! arrival has sat unpaid longer than the office allows (20 working days by default).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sanfu_calendar::Calendar;
use sanfu_domain::kernel::{Kind, Party, parties};
use sanfu_domain::supervision::funds::{self, Entry};
use sanfu_domain::supervision::{Settings, Supervision};
use sanfu_domain::{Actor, DomainError, Principal, Staff, validate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::{Store, StoreError, from_ms, in_clause, new_id, to_ms};
use crate::events::{self, NewEvent};
use crate::org::Scope;

/// One entry as a unit or the office records it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FundInput {
    /// budget (预算安排), arrival (资金到位) or payment (资金下拨).
    pub entry: Option<String>,
    /// The day, YYYY-MM-DD; not in the future.
    pub on_date: Option<String>,
    /// In yuan, up to two decimals.
    pub amount: Option<String>,
    /// Where the money came from (arrival), to whom it went (payment), the budget's source.
    pub party: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundEntry {
    pub id: String,
    pub entry: &'static str,
    pub entry_label: &'static str,
    pub on_date: NaiveDate,
    pub amount_fen: i64,
    /// 万元, two decimals.
    pub amount_wan: String,
    pub party: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the sweep warned that this arrival sat unpaid.
    pub warned_at: Option<DateTime<Utc>>,
}

/// One item's money: what is budgeted, arrived, paid and still unpaid.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ItemFunds {
    pub budget_fen: i64,
    pub arrived_fen: i64,
    pub paid_fen: i64,
    pub unpaid_fen: i64,
    /// The oldest arrival not yet paid out, and for how many working days it has sat.
    pub oldest_unpaid: Option<NaiveDate>,
    pub unpaid_working_days: u32,
    /// Sat longer than the office allows.
    pub overdue: bool,
    pub entries: Vec<FundEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemFundsRow {
    pub number: String,
    pub title: String,
    pub lead_unit: String,
    pub arrived_wan: String,
    pub paid_wan: String,
    pub unpaid_wan: String,
    pub unpaid_fen: i64,
    pub oldest_unpaid: Option<NaiveDate>,
    pub unpaid_working_days: u32,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFundsRow {
    pub unit: String,
    pub items: u32,
    pub arrived_wan: String,
    pub paid_wan: String,
    pub unpaid_wan: String,
    pub unpaid_fen: i64,
    /// Items whose money has sat unpaid too long.
    pub overdue_items: u32,
}

/// The funds page: by item and by unit, most unpaid first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundsSummary {
    pub unpaid_days: u32,
    pub by_item: Vec<ItemFundsRow>,
    pub by_unit: Vec<UnitFundsRow>,
    pub arrived_wan: String,
    pub paid_wan: String,
    pub unpaid_wan: String,
    pub overdue_items: u32,
}

type FundRow = (String, String, String, String, i64, String, Option<String>, i64, Option<i64>);

fn to_entry(r: &FundRow) -> Option<FundEntry> {
    let e = Entry::parse(&r.2)?;
    Some(FundEntry {
        id: r.0.clone(),
        entry: e.as_str(),
        entry_label: e.label(),
        on_date: NaiveDate::parse_from_str(&r.3, "%Y-%m-%d").ok()?,
        amount_fen: r.4,
        amount_wan: funds::wan(r.4),
        party: r.5.clone(),
        note: r.6.clone(),
        created_at: from_ms(r.7),
        warned_at: r.8.map(from_ms),
    })
}

/// Working days from the day after `from` to `today`, both China dates.
fn working_days_since(cal: &Calendar, from: NaiveDate, today: NaiveDate) -> u32 {
    let mut n = 0;
    let mut d = from;
    while d < today && n < 10_000 {
        d = d.succ_opt().unwrap_or(d);
        if cal.is_working_day(d).0 {
            n += 1;
        }
    }
    n
}

/// The account of one item's entries at `now`.
fn account(entries: Vec<FundEntry>, cal: &Calendar, now: DateTime<Utc>, settings: &Settings) -> ItemFunds {
    let sum = |e: Entry| entries.iter().filter(|x| x.entry == e.as_str()).map(|x| x.amount_fen).sum::<i64>();
    let (budget, arrived, paid) = (sum(Entry::Budget), sum(Entry::Arrival), sum(Entry::Payment));
    let arrivals: Vec<(&str, NaiveDate, i64)> =
        entries.iter().filter(|x| x.entry == Entry::Arrival.as_str()).map(|x| (x.id.as_str(), x.on_date, x.amount_fen)).collect();
    let oldest = funds::unpaid(&arrivals, paid).first().map(|u| u.1);
    let days = oldest.map(|d| working_days_since(cal, d, cal.local_date(now))).unwrap_or(0);
    ItemFunds {
        budget_fen: budget,
        arrived_fen: arrived,
        paid_fen: paid,
        unpaid_fen: (arrived - paid).max(0),
        oldest_unpaid: oldest,
        unpaid_working_days: days,
        overdue: oldest.is_some() && days > settings.unpaid_days,
        entries,
    }
}

const FUND_COLS: &str = "id, work_id, entry, on_date, amount_fen, party, note, created_at, warned_at";

impl Store {
    /// Record an entry on an item: its lead unit or the office.
    pub async fn add_fund(&self, key: &str, input: &FundInput, actor: &Actor) -> Result<FundEntry, StoreError> {
        let staff = actor.staff().ok_or_else(|| DomainError::forbidden("not_allowed_for_user", "请先登录"))?;
        let core = self.visible_core(key, staff).await?;
        if core.kind != Supervision::NAME {
            return Err(DomainError::not_found("supervision_not_found", format!("督办事项“{key}”不存在")).into());
        }
        let have = parties(&core.assignments, actor);
        if !have.iter().any(|p| matches!(p, Party::Office | Party::LeadUnit)) {
            return Err(DomainError::forbidden("not_allowed_for_user", "只有牵头单位或督查科可以登记资金").into());
        }
        let e = input.entry.as_deref().map(str::trim).unwrap_or_default();
        let entry = Entry::parse(e).ok_or_else(|| DomainError::invalid("invalid_entry", "请选择登记类别：预算安排、资金到位或资金下拨"))?;
        let cal = self.calendar();
        let today = cal.local_date(Utc::now());
        let d = input.on_date.as_deref().map(str::trim).unwrap_or_default();
        let on_date = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| DomainError::invalid("invalid_date", format!("日期“{d}”无效，应为 YYYY-MM-DD")))?;
        if on_date > today {
            return Err(DomainError::invalid("date_in_future", "登记日期不能晚于今天").into());
        }
        let amount = funds::parse_yuan(input.amount.as_deref().unwrap_or_default())?;
        let party_label = match entry {
            Entry::Budget => "资金来源",
            Entry::Arrival => "来源",
            Entry::Payment => "拨付对象",
        };
        let party = validate::text("party", party_label, input.party.as_deref().unwrap_or_default(), 200)?;
        let note = validate::optional_text("note", "备注", input.note.as_deref(), 500)?;
        let id = new_id();
        let now = Utc::now();
        in_tx!(self, tx => {
            if entry == Entry::Payment {
                // Money cannot go out before it has come in.
                let (arrived, paid): (i64, i64) = sqlx::query_as(
                    // PostgreSQL sums BIGINT as NUMERIC, which the Any driver does not read.
                    "SELECT CAST(COALESCE(SUM(CASE WHEN entry = 'arrival' THEN amount_fen ELSE 0 END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN entry = 'payment' THEN amount_fen ELSE 0 END), 0) AS BIGINT)
                     FROM supervision_funds WHERE work_id = $1",
                ).bind(&core.id).fetch_one(&mut *tx).await?;
                if paid + amount > arrived {
                    return Err(DomainError::invalid("payment_exceeds_arrivals",
                        format!("下拨金额超过已到位未下拨的资金（尚余 {} 万元）", funds::wan(arrived - paid))).into());
                }
            }
            sqlx::query("INSERT INTO supervision_funds (id, work_id, entry, on_date, amount_fen, party, note, created_at, created_by)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(&id).bind(&core.id).bind(entry.as_str()).bind(on_date.to_string()).bind(amount).bind(&party).bind(&note)
                .bind(to_ms(now)).bind(&staff.user_id)
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: &core.id, entity_kind: Supervision::NAME, action: "funds", actor, from_state: None, to_state: None,
                details: json!({ "fund_id": id, "entry": entry.as_str(), "label": entry.label(), "on_date": on_date,
                                 "amount_wan": funds::wan(amount), "party": party, "note": note }),
                at: Some(to_ms(now)),
            }).await?;
            Ok(())
        })?;
        let rows: Vec<FundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {FUND_COLS} FROM supervision_funds WHERE id = $1")))
            .bind(&id)
            .fetch_all(self.pool())
            .await?;
        rows.first().and_then(to_entry).ok_or_else(|| StoreError::Other("fund entry vanished".into()))
    }

    /// One item's account, for whoever may read the item.
    pub async fn item_funds(&self, key: &str, staff: &Staff) -> Result<ItemFunds, StoreError> {
        let core = self.visible_core(key, staff).await?;
        let settings = self.supervision_settings().await?;
        let rows: Vec<FundRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {FUND_COLS} FROM supervision_funds WHERE work_id = $1 ORDER BY on_date, created_at")))
                .bind(&core.id)
                .fetch_all(self.pool())
                .await?;
        Ok(account(rows.iter().filter_map(to_entry).collect(), &self.calendar(), Utc::now(), &settings))
    }

    /// The funds of every item `staff` may read that carries money (cancelled ones aside).
    pub async fn funds_summary(&self, staff: &Staff) -> Result<FundsSummary, StoreError> {
        let settings = self.supervision_settings().await?;
        let mut sql = format!(
            "SELECT f.{} FROM supervision_funds f JOIN work_items w ON w.id = f.work_id WHERE w.state <> 'cancelled'",
            FUND_COLS.replace(", ", ", f.")
        );
        let mut binds = Vec::new();
        if let Scope::Units(units) = Store::scope_of(staff) {
            let (clause, _) = in_clause(1, units.len());
            sql.push_str(&format!(" AND w.id IN (SELECT a.work_id FROM assignments a WHERE a.unit_id IN {clause} AND a.kind = 'supervision')"));
            binds = units;
        }
        sql.push_str(" ORDER BY f.on_date, f.created_at");
        let mut q = sqlx::query_as::<_, FundRow>(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut per_item: BTreeMap<String, Vec<FundEntry>> = BTreeMap::new();
        for r in &rows {
            if let Some(e) = to_entry(r) {
                per_item.entry(r.1.clone()).or_default().push(e);
            }
        }
        let ids: Vec<String> = per_item.keys().cloned().collect();
        let summaries: BTreeMap<String, crate::kernel::items::ItemSummary> = self
            .item_summaries(&ids, crate::kernel::items::Viewer::of(staff))
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        let cal = self.calendar();
        let now = Utc::now();
        let mut by_item = Vec::new();
        let mut units: BTreeMap<String, (u32, i64, i64, i64, u32)> = BTreeMap::new();
        for (id, entries) in per_item {
            let Some(s) = summaries.get(&id) else { continue };
            let a = account(entries, &cal, now, &settings);
            let lead = s.lead_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default();
            let u = units.entry(lead.clone()).or_default();
            *u = (u.0 + 1, u.1 + a.arrived_fen, u.2 + a.paid_fen, u.3 + a.unpaid_fen, u.4 + u32::from(a.overdue));
            by_item.push(ItemFundsRow {
                number: s.number.clone(),
                title: s.title.clone(),
                lead_unit: lead,
                arrived_wan: funds::wan(a.arrived_fen),
                paid_wan: funds::wan(a.paid_fen),
                unpaid_wan: funds::wan(a.unpaid_fen),
                unpaid_fen: a.unpaid_fen,
                oldest_unpaid: a.oldest_unpaid,
                unpaid_working_days: a.unpaid_working_days,
                overdue: a.overdue,
            });
        }
        by_item.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.unpaid_fen.cmp(&a.unpaid_fen)).then(a.number.cmp(&b.number)));
        let mut by_unit: Vec<UnitFundsRow> = units
            .into_iter()
            .map(|(unit, (items, arrived, paid, unpaid, overdue))| UnitFundsRow {
                unit,
                items,
                arrived_wan: funds::wan(arrived),
                paid_wan: funds::wan(paid),
                unpaid_wan: funds::wan(unpaid),
                unpaid_fen: unpaid,
                overdue_items: overdue,
            })
            .collect();
        by_unit.sort_by(|a, b| b.unpaid_fen.cmp(&a.unpaid_fen).then(a.unit.cmp(&b.unit)));
        let total = |f: fn(&ItemFundsRow) -> i64| by_item.iter().map(f).sum::<i64>();
        let arrived: i64 = rows.iter().filter(|r| r.2 == "arrival" && summaries.contains_key(&r.1)).map(|r| r.4).sum();
        let paid: i64 = rows.iter().filter(|r| r.2 == "payment" && summaries.contains_key(&r.1)).map(|r| r.4).sum();
        Ok(FundsSummary {
            unpaid_days: settings.unpaid_days,
            arrived_wan: funds::wan(arrived),
            paid_wan: funds::wan(paid),
            unpaid_wan: funds::wan(total(|r| r.unpaid_fen)),
            overdue_items: by_item.iter().filter(|r| r.overdue).count() as u32,
            by_item,
            by_unit,
        })
    }

    /// Warn once of each arrival that has sat unpaid longer than the settings allow.
    pub(crate) async fn warn_unpaid_funds(&self, now: DateTime<Utc>, settings: &Settings) -> Result<u64, StoreError> {
        let rows: Vec<FundRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT f.{} FROM supervision_funds f JOIN work_items w ON w.id = f.work_id
             WHERE w.state <> 'cancelled' AND f.work_id IN (SELECT work_id FROM supervision_funds WHERE entry = 'arrival' AND warned_at IS NULL)
             ORDER BY f.on_date",
            FUND_COLS.replace(", ", ", f.")
        )))
        .fetch_all(self.pool())
        .await?;
        let cal = self.calendar();
        let today = cal.local_date(now);
        let mut per_item: BTreeMap<String, Vec<FundEntry>> = BTreeMap::new();
        for r in &rows {
            if let Some(e) = to_entry(r) {
                per_item.entry(r.1.clone()).or_default().push(e);
            }
        }
        let system = Actor { principal: Principal::System, ip: "scheduler".into() };
        let mut n = 0;
        for (work, entries) in per_item {
            let paid: i64 = entries.iter().filter(|e| e.entry == "payment").map(|e| e.amount_fen).sum();
            let arrivals: Vec<(&str, NaiveDate, i64)> =
                entries.iter().filter(|e| e.entry == "arrival").map(|e| (e.id.as_str(), e.on_date, e.amount_fen)).collect();
            for (id, date, left) in funds::unpaid(&arrivals, paid) {
                if entries.iter().any(|e| e.id == id && e.warned_at.is_some()) {
                    continue;
                }
                let days = working_days_since(&cal, date, today);
                if days <= settings.unpaid_days {
                    continue;
                }
                let t = to_ms(now);
                let done = in_tx!(self, tx => {
                    let k = sqlx::query("UPDATE supervision_funds SET warned_at = $1 WHERE id = $2 AND warned_at IS NULL")
                        .bind(t).bind(id).execute(&mut *tx).await?.rows_affected();
                    if k == 1 {
                        events::append(&mut tx, NewEvent {
                            entity_id: &work, entity_kind: Supervision::NAME, action: "funds_warning", actor: &system,
                            from_state: None, to_state: None,
                            details: json!({ "fund_id": id, "arrived_on": date, "unpaid_wan": funds::wan(left), "working_days": days,
                                             "limit_days": settings.unpaid_days,
                                             "note": format!("{date} 到位的资金尚有 {} 万元未下拨，已滞留 {days} 个工作日（规定 {} 个工作日内）", funds::wan(left), settings.unpaid_days) }),
                            at: Some(t),
                        }).await?;
                    }
                    Ok(k == 1)
                })?;
                n += u64::from(done);
            }
        }
        Ok(n)
    }
}
