//! Two forms of 系统管理: the city's synonym groups (城市词典) and the figures' settings
//! (办理时限): the ranking's minimum and the export cap.

use super::{Desk, Form};
use crate::AppState;
use crate::error::ApiError;

/// One group a line, its words separated by spaces, commas, 、 or /.
pub(super) async fn save_synonyms(st: &AppState, d: &Desk, form: &Form) -> Result<String, ApiError> {
    let groups: Vec<Vec<String>> = form
        .get("synonyms")
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(|c: char| c.is_whitespace() || c == '，' || c == ',' || c == '、' || c == '/').filter(|w| !w.is_empty()).map(str::to_string).collect::<Vec<_>>())
        .filter(|g| !g.is_empty())
        .collect();
    let g = st.store.set_synonyms(&groups, &d.actor).await?;
    Ok(format!("已保存 {} 组同义词；全文索引正在后台重建", g.len()))
}

pub(super) async fn save_desk(st: &AppState, d: &Desk, form: &Form) -> Result<String, ApiError> {
    let num = |k: &str| form.text(k).map(|v| v.parse::<i64>().map_err(|_| ApiError::unprocessable("invalid_number", format!("“{v}”不是整数"))));
    match (num("ranking_min_orders"), num("export_max_rows")) {
        (Some(Ok(min)), Some(Ok(cap))) => {
            st.store.set_desk_settings(sanfu_store::desk::DeskSettings { ranking_min_orders: min, export_max_rows: cap }, &d.actor).await?;
            Ok("已保存统计与导出设置".to_string())
        }
        (Some(Err(e)), _) | (_, Some(Err(e))) => Err(e),
        _ => Err(ApiError::unprocessable("missing_field", "请填写参与排名的最少工单数和导出行数上限")),
    }
}
