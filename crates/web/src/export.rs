//! Tables out as CSV (UTF-8 with a byte-order mark, so Excel opens Chinese text correctly) or
//! as an Excel workbook with one sheet per table.

use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::ApiError;

#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A share, shown as a percentage.
    Rate(Option<f64>),
    Num(Option<f64>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Rate(Some(r)) => format!("{:.2}%", r * 100.0),
            Cell::Num(Some(n)) => format!("{n:.2}"),
            Cell::Rate(None) | Cell::Num(None) => String::new(),
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

/// A ledger as the file asked for: CSV (its first table) or Excel (every table, a sheet each).
pub fn file_response(format: Format_, name: &str, tables: &[Table]) -> Result<Response, ApiError> {
    match (format, tables.first()) {
        (Format_::Csv, Some(t)) => csv_response(name, t),
        _ => xlsx_response(name, tables),
    }
}

pub fn csv_response(name: &str, t: &Table) -> Result<Response, ApiError> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |_| ApiError::internal();
    w.write_record(&t.headers).map_err(fail)?;
    for r in &t.rows {
        w.write_record(r.iter().map(Cell::csv_text)).map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|_| ApiError::internal())?;
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (CONTENT_DISPOSITION, disposition(name, "csv"))], bytes).into_response())
}

pub fn xlsx_response(name: &str, tables: &[Table]) -> Result<Response, ApiError> {
    let bytes = xlsx_bytes(tables)?;
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
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.00%");
    let num = Format::new().set_num_format("0.00");
    let fail = |e: rust_xlsxwriter::XlsxError| {
        tracing::error!(error = %e, "生成 Excel 文件失败");
        ApiError::internal()
    };
    for t in tables {
        let ws = wb.add_worksheet();
        let title: String = t.title.chars().take(31).collect();
        ws.set_name(&title).map_err(fail)?;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
            ws.set_column_width(c as u16, (h.chars().count() as f64 * 2.2).max(12.0)).map_err(fail)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ()),
                    Cell::Rate(Some(v)) => ws.write_number_with_format(r, c, *v, &pct).map(|_| ()),
                    Cell::Num(Some(v)) => ws.write_number_with_format(r, c, *v, &num).map(|_| ()),
                    Cell::Rate(None) | Cell::Num(None) => Ok(()),
                }
                .map_err(fail)?;
            }
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
