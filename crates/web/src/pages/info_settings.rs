//! 政务信息's settings as the office edits them on the 排名 tab: the limits, the score table and
//! the quotas (`/api/admin/info-settings` holds the same).

use crate::pages::desk::prelude::*;
use crate::pages::work::{Field, FormSpec};

pub(crate) fn settings_form(s: &sanfu_domain::info::Settings) -> FormSpec {
    let n = |name: &'static str, label: &str, v: u32| Field::new("number", name, label).value(v.to_string()).required();
    let quotas: Vec<String> = s.quotas.iter().map(|q| format!("{}：{}/{}", q.unit, q.adopted, q.points)).collect();
    FormSpec::post("form-info-settings", "信息工作设置", "/info/settings", vec![
        n("answer_hours", "信息处理时限（工作小时）", s.answer_hours),
        n("urgent_answer_minutes", "突发事件信息处理时限（分钟）", s.urgent_answer_minutes),
        n("first_report_minutes", "突发事件首报时限（分钟）", s.first_report_minutes),
        n("written_report_minutes", "突发事件书面报告时限（分钟）", s.written_report_minutes),
        n("warn_percent", "预警比例（%）", s.warn_percent),
        n("daily", "《每日要情》采用（分）", s.scores.daily),
        n("info", "《政务信息》采用（分）", s.scores.info),
        n("special", "《信息专报》采用（分）", s.scores.special),
        n("instructed", "领导批示加分", s.scores.instructed),
        n("province_daily", "省每日要情采用（分）", s.scores.province_daily),
        n("province_info", "省政务信息采用（分）", s.scores.province_info),
        n("province_special", "省信息专报采用（分）", s.scores.province_special),
        n("quota_adopted", "年度任务：采用条数（未单列的单位）", s.default_quota.adopted),
        n("quota_points", "年度任务：得分（未单列的单位）", s.default_quota.points),
        Field::new("textarea", "quotas", "单列任务（每行：单位代码：采用条数/得分，如 zjj：24/240）").value(quotas.join("\n")).rows(3),
    ])
    .button("保存设置")
}

/// `POST /info/settings`: the office changes the limits, the score table and the quotas.
pub async fn save_settings(State(st): State<AppState>, d: Desk, form: Form) -> PageResult {
    d.check(&form)?;
    let here = "/info?tab=scores";
    let mut s = st.store.info_settings().await?;
    let read = (|| -> Result<(), String> {
        let n = |name: &str, what: &str| form.text(name).and_then(|v| v.trim().parse::<u32>().ok()).ok_or_else(|| format!("“{what}”应为非负整数"));
        s.answer_hours = n("answer_hours", "信息处理时限")?;
        s.urgent_answer_minutes = n("urgent_answer_minutes", "突发事件信息处理时限")?;
        s.first_report_minutes = n("first_report_minutes", "首报时限")?;
        s.written_report_minutes = n("written_report_minutes", "书面报告时限")?;
        s.warn_percent = n("warn_percent", "预警比例")?;
        s.scores.daily = n("daily", "每日要情")?;
        s.scores.info = n("info", "政务信息")?;
        s.scores.special = n("special", "信息专报")?;
        s.scores.instructed = n("instructed", "领导批示加分")?;
        s.scores.province_daily = n("province_daily", "省每日要情")?;
        s.scores.province_info = n("province_info", "省政务信息")?;
        s.scores.province_special = n("province_special", "省信息专报")?;
        s.default_quota.adopted = n("quota_adopted", "年度采用条数")?;
        s.default_quota.points = n("quota_points", "年度得分")?;
        let mut quotas = Vec::new();
        for line in form.text("quotas").unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()) {
            let bad = || format!("任务“{line}”应写作“单位代码：采用条数/得分”");
            let (unit, rest) = line.split_once('：').or_else(|| line.split_once(':')).ok_or_else(bad)?;
            let (a, p) = rest.split_once('/').ok_or_else(bad)?;
            quotas.push(sanfu_domain::info::Quota { unit: unit.trim().into(), adopted: a.trim().parse().map_err(|_| bad())?, points: p.trim().parse().map_err(|_| bad())? });
        }
        s.quotas = quotas;
        Ok(())
    })();
    if let Err(m) = read {
        return Ok(back(here, None, Some(&m)));
    }
    Ok(match st.store.set_info_settings(s, &d.actor).await {
        Ok(_) => back(here, Some("信息工作设置已保存"), None),
        Err(e) => back(here, None, Some(&ApiError::from(e).message)),
    })
}
