//! Units, categories and accounts imported at once from the template (.xlsx, or CSV in UTF-8
//! or GBK as Excel saves it on Chinese Windows): checked whole first, every row's problem named
//! in Chinese, and written in one transaction or not at all.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use sanfu_domain::{Actor, DomainError, Role, UnitKind, validate};
use serde::Serialize;

use crate::admin::{roles_of, unit_kind};
use crate::hotline::catalog::write_category;
use crate::db::{Store, StoreError, new_id};
use crate::org::{NewUser, write_unit, write_user};
use crate::passwords::hash_in_background;

/// The template's columns, in order.
pub const TEMPLATE_HEADERS: [&str; 9] = ["类型", "编码", "名称", "上级编码", "单位类别", "默认承办单位", "角色", "初始密码", "分管单位"];

/// The template's example rows: a department, a district and a street, a category with its
/// sub-category, a liaison.
pub const TEMPLATE_EXAMPLE: &[[&str; 9]] = &[
    ["单位", "zjj", "市住房和城乡建设局", "gov", "市直部门", "", "", "", ""],
    ["单位", "donghu", "东湖区人民政府", "gov", "县区", "", "", "", ""],
    ["单位", "donghu-hb", "东湖区湖滨街道", "donghu", "街道/乡镇", "", "", "", ""],
    ["分类", "01", "城乡建设", "", "", "", "", "", ""],
    ["分类", "0102", "物业管理", "01", "", "zjj", "", "", ""],
    ["用户", "zjj-ll", "张丽", "zjj", "", "", "承办单位联络员", "Jz#2026-zjj", ""],
];

/// What one import did, or would do.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OrgImport {
    pub units: usize,
    pub categories: usize,
    pub users: usize,
    /// Every row's problem; when not empty, nothing was written.
    pub errors: Vec<RowError>,
    /// Checked only (a preview).
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub message: String,
}

/// The rows of a spreadsheet or CSV file, as text: .xlsx by its bytes, otherwise CSV in UTF-8
/// (with or without a byte-order mark) or, failing that, GBK (GB 18030), as Excel writes it on
/// Chinese Windows.
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, DomainError> {
    let bad = |m: String| DomainError::invalid("invalid_file", m);
    if bytes.starts_with(b"PK\x03\x04") {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| bad(format!("无法读取 Excel 文件：{e}")))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| bad("Excel 文件中没有工作表".into()))?
            .map_err(|e| bad(format!("无法读取 Excel 工作表：{e}")))?;
        return Ok(range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (t, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(bad("文件既不是 UTF-8 也不是 GBK 编码的 CSV，也不是 .xlsx 文件".into()));
            }
            t.into_owned()
        }
    };
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(format!("CSV 格式有误：{e}")))?;
        rows.push(rec.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(rows)
}

/// The template as CSV (UTF-8 with a byte-order mark, so that Excel opens it in Chinese).
pub fn template_csv() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(TEMPLATE_HEADERS);
    for row in TEMPLATE_EXAMPLE {
        let _ = w.write_record(row);
    }
    w.into_inner().unwrap_or_default()
}

/// `rows` in an order where each comes after its parent; `ids` (code → id) holds what is stored
/// already and gains each row. A cycle answers the code of a row in it.
fn parents_first<T>(
    mut pending: Vec<T>,
    ids: &mut HashMap<String, String>,
    id_code: impl Fn(&T) -> (&String, &String),
    parent: impl Fn(&T) -> Option<&str>,
) -> Result<Vec<T>, String> {
    let mut ordered = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<T>, Vec<T>) = pending.into_iter().partition(|r| parent(r).is_none_or(|p| ids.contains_key(p)));
        for r in &ready {
            let (id, code) = id_code(r);
            ids.insert(code.clone(), id.clone());
        }
        ordered.extend(ready);
        pending = rest;
        if pending.len() == before {
            return Err(id_code(&pending[0]).1.clone());
        }
    }
    Ok(ordered)
}

struct Planned {
    units: Vec<(String, String, String, UnitKind, Option<String>)>,
    categories: Vec<(String, String, String, Option<String>, Option<String>)>,
    users: Vec<(NewUser, String)>,
}

impl Store {
    /// 批量导入: units, categories and accounts from the template's rows (the first row is
    /// the header). Every row is checked before anything is written; with any problem, or with
    /// `dry_run`, nothing is.
    pub async fn import_org(&self, rows: &[Vec<String>], dry_run: bool, actor: &Actor) -> Result<OrgImport, StoreError> {
        let mut report = OrgImport { dry_run, ..Default::default() };
        let Some(header) = rows.first() else {
            report.errors.push(RowError { line: 1, message: "文件是空的".into() });
            return Ok(report);
        };
        let col: HashMap<&str, usize> = TEMPLATE_HEADERS
            .iter()
            .filter_map(|h| header.iter().position(|c| c.trim().trim_start_matches('\u{feff}') == *h).map(|i| (*h, i)))
            .collect();
        for required in ["类型", "编码", "名称"] {
            if !col.contains_key(required) {
                report.errors.push(RowError { line: 1, message: format!("表头缺少“{required}”列（请使用系统提供的模板）") });
            }
        }
        if !report.errors.is_empty() {
            return Ok(report);
        }
        if rows.len() > 20_001 {
            report.errors.push(RowError { line: 1, message: "一次最多导入 20000 行".into() });
            return Ok(report);
        }
        let units = self.all_units().await?;
        let cats = self.categories().await?;
        let users: HashSet<String> = self.users().await?.into_iter().map(|u| u.username).collect();
        let cell = |r: &Vec<String>, h: &str| col.get(h).and_then(|i| r.get(*i)).map(|s| s.trim().to_string()).unwrap_or_default();
        // Codes the file brings, so that rows may name parents that come later.
        let mut file_units: HashSet<String> = HashSet::new();
        let mut file_cats: HashSet<String> = HashSet::new();
        for r in rows.iter().skip(1) {
            match cell(r, "类型").as_str() {
                "单位" => {
                    file_units.insert(cell(r, "编码"));
                }
                "分类" => {
                    file_cats.insert(cell(r, "编码"));
                }
                _ => {}
            }
        }
        let unit_known = |c: &str| units.iter().any(|u| u.code == c && u.active) || file_units.contains(c);
        let cat_known = |c: &str| cats.iter().any(|x| x.code == c) || file_cats.contains(c);
        let mut plan = Planned { units: vec![], categories: vec![], users: vec![] };
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for (i, r) in rows.iter().enumerate().skip(1) {
            let line = i + 1;
            if r.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut err = |m: String| report.errors.push(RowError { line, message: m });
            let (kind, code, name, parent) = (cell(r, "类型"), cell(r, "编码"), cell(r, "名称"), cell(r, "上级编码"));
            let field = if kind == "用户" { "username" } else { "code" };
            if let Err(e) = validate::code(field, if kind == "用户" { "用户名" } else { "编码" }, &code) {
                err(e.message);
                continue;
            }
            if !seen.insert((kind.clone(), code.clone())) {
                err(format!("编码“{code}”在文件中重复"));
                continue;
            }
            if let Err(e) = validate::text("name", "名称", &name, 100) {
                err(e.message);
                continue;
            }
            match kind.as_str() {
                "单位" => {
                    if units.iter().any(|u| u.code == code) {
                        err(format!("单位编码“{code}”已存在"));
                        continue;
                    }
                    let Some(k) = unit_kind(&cell(r, "单位类别")) else {
                        err(format!(
                            "单位类别“{}”不存在（可选：{}）",
                            cell(r, "单位类别"),
                            UnitKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
                        ));
                        continue;
                    };
                    if !parent.is_empty() && !unit_known(&parent) {
                        err(format!("上级单位“{parent}”不存在"));
                        continue;
                    }
                    if parent == code {
                        err("单位不能是自己的上级".into());
                        continue;
                    }
                    plan.units.push((new_id(), code, name, k, Some(parent).filter(|p| !p.is_empty())));
                }
                "分类" => {
                    if cats.iter().any(|c| c.code == code) {
                        err(format!("分类编码“{code}”已存在"));
                        continue;
                    }
                    if !parent.is_empty() && !cat_known(&parent) {
                        err(format!("上级分类“{parent}”不存在"));
                        continue;
                    }
                    let unit = cell(r, "默认承办单位");
                    if !unit.is_empty() && !unit_known(&unit) {
                        err(format!("默认承办单位“{unit}”不存在"));
                        continue;
                    }
                    plan.categories.push((new_id(), code, name, Some(parent).filter(|p| !p.is_empty()), Some(unit).filter(|u| !u.is_empty())));
                }
                "用户" => {
                    if users.contains(&code) {
                        err(format!("用户名“{code}”已存在"));
                        continue;
                    }
                    if parent.is_empty() || !unit_known(&parent) {
                        err(format!("所在单位“{parent}”不存在（用户行的“上级编码”填所在单位编码）"));
                        continue;
                    }
                    let roles = match roles_of(&cell(r, "角色")) {
                        Ok(r) if !r.is_empty() => r,
                        Ok(_) => {
                            err("请填写角色".into());
                            continue;
                        }
                        Err(m) => {
                            err(m);
                            continue;
                        }
                    };
                    let password = cell(r, "初始密码");
                    if let Err(e) = validate::password(&password, &code) {
                        err(format!("初始密码不合格：{}", e.message));
                        continue;
                    }
                    let portfolio: Vec<String> =
                        cell(r, "分管单位").split([',', '，', '、', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
                    if let Some(bad) = portfolio.iter().find(|p| !unit_known(p)) {
                        err(format!("分管单位“{bad}”不存在"));
                        continue;
                    }
                    if !portfolio.is_empty() && !roles.contains(&Role::Leader) {
                        err("只有市领导角色可以填写分管单位".into());
                        continue;
                    }
                    plan.users.push((NewUser { username: code, name, password, unit_id: parent, roles, portfolio }, String::new()));
                }
                other => err(format!("类型“{other}”应为 单位、分类 或 用户")),
            }
        }
        report.units = plan.units.len();
        report.categories = plan.categories.len();
        report.users = plan.users.len();
        if !report.errors.is_empty() || dry_run {
            return Ok(report);
        }
        // Parents before children: units and categories in the order their parents allow.
        let mut unit_ids: HashMap<String, String> = units.iter().map(|u| (u.code.clone(), u.id.clone())).collect();
        let ordered = match parents_first(plan.units, &mut unit_ids, |u| (&u.0, &u.1), |u| u.4.as_deref()) {
            Ok(o) => o,
            Err(code) => {
                report.errors.push(RowError { line: 1, message: format!("单位“{code}”的上级关系构成循环") });
                return Ok(report);
            }
        };
        let mut cat_ids: HashMap<String, String> = cats.iter().map(|c| (c.code.clone(), c.id.clone())).collect();
        let cats_ordered = match parents_first(plan.categories, &mut cat_ids, |c| (&c.0, &c.1), |c| c.3.as_deref()) {
            Ok(o) => o,
            Err(code) => {
                report.errors.push(RowError { line: 1, message: format!("分类“{code}”的上级关系构成循环") });
                return Ok(report);
            }
        };
        // Passwords are hashed before the transaction (each takes a moment).
        let mut users_ready = Vec::new();
        for (u, _) in plan.users {
            let hash = hash_in_background(&u.password).await?;
            users_ready.push((u, hash));
        }
        let base_sort = units.len() as i64;
        in_tx!(self, tx => {
            for (n, (id, code, name, kind, parent)) in ordered.iter().enumerate() {
                let parent_id = parent.as_ref().and_then(|p| unit_ids.get(p)).map(String::as_str);
                write_unit(&mut tx, id, code, name, *kind, parent_id, base_sort + n as i64, actor).await?;
            }
            for (id, code, name, parent, unit) in &cats_ordered {
                let parent_id = parent.as_ref().and_then(|p| cat_ids.get(p)).map(String::as_str);
                let unit_id = unit.as_ref().and_then(|u| unit_ids.get(u)).map(String::as_str);
                write_category(&mut tx, id, code, name, parent_id, unit_id, actor).await?;
            }
            for (u, hash) in &users_ready {
                let unit_id = unit_ids.get(&u.unit_id).cloned().unwrap_or_default();
                let portfolio: Vec<String> = u.portfolio.iter().filter_map(|p| unit_ids.get(p).cloned()).collect();
                write_user(&mut tx, &new_id(), u, hash, &unit_id, &portfolio, actor).await?;
            }
            Ok(())
        })?;
        self.slots.set::<Vec<crate::org::Unit>>(None);
        self.slots.set::<Vec<crate::hotline::catalog::Category>>(None);
        self.forget_segmenter();
        Ok(report)
    }
}
