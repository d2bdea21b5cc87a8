//! The calendar in the database: the special days of each loaded year and the working hours.
//! A new database is seeded from the table shipped in the binary; administrators load later
//! years (the State Council publishes each one late in the year before).

use std::collections::BTreeSet;

use chrono::Datelike;
use sanfu_calendar::{Calendar, DayKind, SpecialDay, WorkingHours, parse_csv};
use sanfu_domain::{Actor, DomainError};
use serde_json::json;

use crate::db::{Store, StoreError, now_ms};
use crate::events::{self, NewEvent};

const HOURS_KEY: &str = "working_hours";

impl Store {
    pub(crate) async fn init_calendar(&self) -> Result<(), StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_years").fetch_one(self.pool()).await?;
        if count == 0 {
            let days = parse_csv(sanfu_calendar::BUNDLED_CSV).map_err(|e| StoreError::Other(e.to_string()))?;
            in_tx!(self, tx => {
                write_days(&mut tx, &days, "bundled").await?;
                Ok(())
            })?;
        }
        self.reload_calendar().await
    }

    /// Rebuild the in-memory calendar from the database.
    pub async fn reload_calendar(&self) -> Result<(), StoreError> {
        let hours: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(HOURS_KEY)
            .fetch_optional(self.pool())
            .await?;
        let hours = match hours {
            Some(h) => WorkingHours::parse(&h).map_err(|e| StoreError::Other(e.to_string()))?,
            None => WorkingHours::default(),
        };
        let mut cal = Calendar::empty(hours);
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT day, kind, name FROM calendar_days").fetch_all(self.pool()).await?;
        let mut days = Vec::with_capacity(rows.len());
        for (day, kind, name) in rows {
            let (Ok(date), Some(kind)) = (chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d"), DayKind::parse(&kind)) else {
                return Err(StoreError::Other(format!("bad calendar row {day} {kind}")));
            };
            days.push(SpecialDay { date, kind, name });
        }
        cal.load(days);
        let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_years").fetch_all(self.pool()).await?;
        for y in years {
            cal.mark_year_loaded(y as i32);
        }
        self.replace_calendar(cal);
        Ok(())
    }

    /// Load a published schedule (CSV `date,kind,holiday`). Every year in the file replaces what
    /// was loaded for that year. Returns the years loaded.
    pub async fn load_schedule(&self, csv: &str, source: &str, actor: &Actor) -> Result<Vec<i32>, StoreError> {
        let days = parse_csv(csv)
            .map_err(|e| DomainError::invalid("invalid_calendar", format!("节假日安排文件有误：{e}")))?;
        let years: BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
        let years: Vec<i32> = years.into_iter().collect();
        in_tx!(self, tx => {
            write_days(&mut tx, &days, source).await?;
            events::append(&mut tx, NewEvent {
                entity_id: "calendar",
                entity_kind: "calendar",
                action: "load_schedule",
                actor,
                from_state: None,
                to_state: None,
                details: json!({ "years": years, "days": days.len(), "source": source, "csv": csv }),
                at: None,
            }).await?;
            Ok(())
        })?;
        self.reload_calendar().await?;
        Ok(years)
    }

    pub async fn set_working_hours(&self, text: &str, actor: &Actor) -> Result<WorkingHours, StoreError> {
        let hours = WorkingHours::parse(text).map_err(|e| DomainError::invalid("invalid_working_hours", e.to_string()))?;
        let value = hours.to_string();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
                .bind(HOURS_KEY).bind(&value).bind(now_ms())
                .execute(&mut *tx).await?;
            events::append(&mut tx, NewEvent {
                entity_id: "calendar",
                entity_kind: "calendar",
                action: "set_working_hours",
                actor,
                from_state: None,
                to_state: None,
                details: json!({ "working_hours": value }),
                at: None,
            }).await?;
            Ok(())
        })?;
        self.reload_calendar().await?;
        Ok(hours)
    }
}

async fn write_days(conn: &mut sqlx::AnyConnection, days: &[SpecialDay], source: &str) -> Result<(), StoreError> {
    let years: BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
    for y in &years {
        // The year's row first: a second load of the same year waits here for the first to
        // commit, then replaces its days, instead of both inserting the same days (a unique
        // violation on PostgreSQL).
        sqlx::query("INSERT INTO calendar_years (year, source, loaded_at) VALUES ($1, $2, $3)
                     ON CONFLICT (year) DO UPDATE SET source = excluded.source, loaded_at = excluded.loaded_at")
            .bind(i64::from(*y))
            .bind(source)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM calendar_days WHERE year = $1").bind(i64::from(*y)).execute(&mut *conn).await?;
    }
    for d in days {
        sqlx::query("INSERT INTO calendar_days (day, year, kind, name) VALUES ($1, $2, $3, $4)")
            .bind(d.date.format("%Y-%m-%d").to_string())
            .bind(i64::from(d.date.year()))
            .bind(d.kind.as_str())
            .bind(&d.name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
