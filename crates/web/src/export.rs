//! Tables out as CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text correctly) or
//! as an Excel workbook with one sheet per table.

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A share, shown as a percentage.
    Rate(Option<f64>),
    Num(Option<f64>),
    /// A moment, in the city's time: a real date in Excel (sortable, filterable), text in CSV.
    Date(Option<chrono::DateTime<chrono::FixedOffset>>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Rate(Some(r)) => format!("{:.2}%", r * 100.0),
            Cell::Num(Some(n)) => format!("{n:.2}"),
            Cell::Date(Some(d)) => d.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Rate(None) | Cell::Num(None) | Cell::Date(None) => String::new(),
        }
    }
}

impl Cell {
    /// The text for a CSV cell. A spreadsheet opening the file would run a text that begins
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula (`=HYPERLINK(…)`,
    /// `=cmd|' /C calc'!A0`): such text is written after a single quote, as OWASP's advice on
    /// CSV injection says, so that it shows as typed. Numbers are ours and stay numbers.
    fn csv_text(&self) -> String {
        let t = self.text();
        match self {
            Cell::Text(_) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{t}"),
            _ => t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cell;

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (typed, written) in [
            ("=HYPERLINK(\"http://evil.example\",\"点此\")", "'=HYPERLINK(\"http://evil.example\",\"点此\")"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+86 138", "'+86 138"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("东湖区=人民路", "东湖区=人民路"),
        ] {
            assert_eq!(Cell::Text(typed.into()).csv_text(), written);
        }
        assert_eq!(Cell::Int(-3).csv_text(), "-3");
    }
}

pub struct Table {
    /// Sheet name (at most 31 characters in Excel).
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What a file says of itself above its table: what it is, of which period, with which
/// filters, who took it and when. The same export is recorded in the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Heading {
    pub title: String,
    pub period: String,
    pub filters: String,
    pub by: String,
    pub at: String,
}

impl Heading {
    fn lines(&self) -> Vec<String> {
        vec![
            self.title.clone(),
            format!("统计期间：{}　筛选条件：{}", if self.period.is_empty() { "全部" } else { &self.period }, if self.filters.is_empty() { "无" } else { &self.filters }),
            format!("导出人：{}　导出时间：{}", self.by, self.at),
        ]
    }
}

/// How wide a column should be for its texts: CJK characters count double, within 8..=60.
fn width_of<'a>(texts: impl Iterator<Item = &'a str>) -> f64 {
    let w = texts
        .map(|t| t.lines().next().unwrap_or_default().chars().map(|c| if c.is_ascii() { 1.1 } else { 2.1 }).sum::<f64>())
        .fold(0.0_f64, f64::max);
    (w + 2.0).clamp(8.0, 60.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format_ {
    Json,
    Csv,
    Xlsx,
}

pub fn parse_format(v: Option<&str>) -> Result<Format_, ApiError> {
    match v.unwrap_or("json") {
        "json" => Ok(Format_::Json),
        "csv" => Ok(Format_::Csv),
        "xlsx" => Ok(Format_::Xlsx),
        other => Err(ApiError::unprocessable("invalid_format", format!("导出格式“{other}”不支持，可选 json、csv、xlsx"))),
    }
}

pub(crate) fn disposition(name: &str, ext: &str) -> String {
    let encoded: String = format!("{name}.{ext}")
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("attachment; filename=\"sanfu.{ext}\"; filename*=UTF-8''{encoded}")
}

/// CSV with the heading's lines first (title, period and filters, who and when), a blank line,
/// then the table: the same bytes as a streamed file.
pub fn csv_with(name: &str, t: &Table, heading: &Heading) -> Result<Response, ApiError> {
    let mut bytes = csv_head(heading, &t.headers)?;
    bytes.extend(csv_rows(&t.rows)?);
    Ok(csv_stream(name, axum::body::Body::from(bytes)))
}

/// The first bytes of a CSV file streamed batch by batch: the byte-order mark, the heading's
/// lines, a blank line and the table's header.
pub fn csv_head(heading: &Heading, headers: &[String]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |_| ApiError::internal();
    for l in heading.lines() {
        w.write_record([Cell::Text(l).csv_text()]).map_err(fail)?;
    }
    w.write_record([""]).map_err(fail)?;
    w.write_record(headers).map_err(fail)?;
    w.into_inner().map_err(|_| ApiError::internal())
}

/// Rows of a CSV file, as the table's own rows are written.
pub fn csv_rows(rows: &[Vec<Cell>]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r.iter().map(Cell::csv_text)).map_err(|_| ApiError::internal())?;
    }
    w.into_inner().map_err(|_| ApiError::internal())
}

/// A CSV file with this body (whole, or streamed as it is read).
pub fn csv_stream(name: &str, body: axum::body::Body) -> Response {
    ([(CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (CONTENT_DISPOSITION, disposition(name, "csv"))], body).into_response()
}

pub fn xlsx_response(name: &str, tables: &[Table]) -> Result<Response, ApiError> {
    xlsx_with(name, tables, None)
}

pub fn xlsx_with(name: &str, tables: &[Table], heading: Option<&Heading>) -> Result<Response, ApiError> {
    let bytes = xlsx_sheets(tables, heading)?;
    Ok((
        [
            (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (CONTENT_DISPOSITION, disposition(name, "xlsx")),
        ],
        bytes,
    )
        .into_response())
}

/// The tables as an .xlsx workbook, a sheet each.
pub fn xlsx_bytes(tables: &[Table]) -> Result<Vec<u8>, ApiError> {
    xlsx_sheets(tables, None)
}

/// The tables as an .xlsx workbook as offices use one: the heading's lines on top, a bold
/// header row that stays in view (frozen) with filters on it, columns as wide as their text,
/// real numbers, percentages and dates.
pub fn xlsx_sheets(tables: &[Table], heading: Option<&Heading>) -> Result<Vec<u8>, ApiError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#EEF2F7").set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let big = Format::new().set_bold().set_font_size(14);
    let pct = Format::new().set_num_format("0.00%");
    let num = Format::new().set_num_format("0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm").set_align(FormatAlign::Left);
    let fail = |e: rust_xlsxwriter::XlsxError| {
        tracing::error!(error = %e, "生成 Excel 文件失败");
        ApiError::internal()
    };
    for t in tables {
        let ws = wb.add_worksheet();
        let title: String = t.title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        ws.set_name(&title).map_err(fail)?;
        let mut top = 0u32;
        if let Some(h) = heading {
            for (i, l) in h.lines().iter().enumerate() {
                if i == 0 {
                    ws.write_string_with_format(0, 0, l, &big).map_err(fail)?;
                } else {
                    ws.write_string(i as u32, 0, l).map_err(fail)?;
                }
            }
            top = 4;
        }
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(top, c as u16, h, &bold).map_err(fail)?;
            let sample = t.rows.iter().take(500).map(|r| r.get(c).map(Cell::text).unwrap_or_default()).collect::<Vec<_>>();
            let w = width_of(std::iter::once(h.as_str()).chain(sample.iter().map(String::as_str)));
            ws.set_column_width(c as u16, w).map_err(fail)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = top + r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ()),
                    Cell::Rate(Some(v)) => ws.write_number_with_format(r, c, *v, &pct).map(|_| ()),
                    Cell::Num(Some(v)) => ws.write_number_with_format(r, c, *v, &num).map(|_| ()),
                    Cell::Date(Some(d)) => {
                        // The city's wall-clock time, as Excel keeps dates (no zone).
                        let local = d.naive_local().and_utc().timestamp();
                        let x = ExcelDateTime::from_timestamp(local).map_err(fail)?;
                        ws.write_datetime_with_format(r, c, &x, &date).map(|_| ())
                    }
                    Cell::Rate(None) | Cell::Num(None) | Cell::Date(None) => Ok(()),
                }
                .map_err(fail)?;
            }
        }
        if !t.headers.is_empty() {
            ws.set_freeze_panes(top + 1, 0).map_err(fail)?;
            let last = top + t.rows.len() as u32;
            ws.autofilter(top, 0, last, (t.headers.len() - 1) as u16).map_err(fail)?;
        }
    }
    wb.save_to_buffer().map_err(fail)
}

/// The import template for units, categories and accounts, as an .xlsx file.
pub fn template_xlsx() -> Result<Vec<u8>, ApiError> {
    let table = Table {
        title: "导入模板".into(),
        headers: sanfu_store::admin::TEMPLATE_HEADERS.iter().map(|s| s.to_string()).collect(),
        rows: sanfu_store::admin::TEMPLATE_EXAMPLE.iter().map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect()).collect(),
    };
    xlsx_bytes(&[table])
}

/// The heading of a file `a` takes now, with the export recorded in the audit trail first: a
/// file that leaves the system is on record, who took it, what and when.
pub async fn heading(
    st: &crate::AppState,
    a: &crate::extract::Authed,
    what: &str,
    title: String,
    period: String,
    filters: String,
    rows: usize,
    full_numbers: bool,
) -> Result<Heading, ApiError> {
    let details = serde_json::json!({ "title": title, "period": period, "filters": filters, "rows": rows, "full_numbers": full_numbers });
    st.store.record_export(&a.actor, what, details).await?;
    let at = chrono::Utc::now().with_timezone(&st.store.offset()).format("%Y-%m-%d %H:%M").to_string();
    Ok(Heading { title, period, filters, by: format!("{}（{}）", a.staff.name, a.staff.unit_name), at })
}

/// The period and the filters a request asked for, from its query string: the period's keys
/// (`period`, `year`, `month`, `from`, `to`) and the rest, without the file's format and paging.
pub fn asked(raw_query: Option<&str>) -> (String, String) {
    let pairs: Vec<(String, String)> = raw_query.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let shown = |keep: &dyn Fn(&str) -> bool| {
        pairs.iter().filter(|(k, v)| keep(k) && !v.trim().is_empty()).map(|(k, v)| format!("{k}={}", v.chars().take(60).collect::<String>())).collect::<Vec<_>>().join("；")
    };
    let period_keys = ["period", "year", "month", "from", "to"];
    (shown(&|k| period_keys.contains(&k)), shown(&|k| !period_keys.contains(&k) && !["format", "page", "per_page", "table"].contains(&k)))
}

/// A ledger as a file (CSV or Excel), with its heading — 「{city}{name}」, the period and the
/// filters asked for, who took it and when — and the export recorded in the audit trail.
pub async fn ledger(
    st: &crate::AppState,
    a: &crate::extract::Authed,
    raw_query: Option<&str>,
    format: Format_,
    name: &str,
    tables: &[Table],
) -> Result<Response, ApiError> {
    let (period, filters) = asked(raw_query);
    let rows = tables.iter().map(|t| t.rows.len()).sum();
    let h = heading(st, a, name, format!("{}{name}", crate::city::city()), period, filters, rows, false).await?;
    match (format, tables.first()) {
        (Format_::Csv, Some(t)) => csv_with(name, t, &h),
        _ => xlsx_with(name, tables, Some(&h)),
    }
}
