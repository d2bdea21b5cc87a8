//! Dispatch suggestions (智能派单): for the text of a new order, the category and the
//! responsible unit, each with a confidence and the words that weighed most, learned from the
//! city's own past orders; and the rules administrators write (a keyword or a place → a unit),
//! which come first. The models are trained from the database (`sanfu train`, and again by the
//! scheduler as orders close) and kept in it, so every server process uses the same one.

use std::sync::Arc;

use sanfu_domain::{Actor, DomainError, Staff};
use sanfu_text::{Classifier, TrainOptions};
use serde::{Deserialize, Serialize};
use futures_util::TryStreamExt;
use serde_json::json;

use crate::db::{Store, StoreError, new_id, now_ms};
use crate::events::{self, NewEvent};

/// What a trained model is made of, as stored.
#[derive(Serialize, Deserialize)]
struct Stored {
    category: Classifier,
    unit: Classifier,
}

/// The models in use. They read words from the store's one segmenter (jieba with the city's
/// words), the same that feeds search.
pub struct DispatchModel {
    category: Classifier,
    unit: Classifier,
    pub trained_at: i64,
    pub trained_on: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    pub category_id: Option<String>,
    pub category_code: Option<String>,
    pub category_name: Option<String>,
    /// The category as the pickers show it: 「城乡建设 › 物业管理」.
    pub category_path: Option<String>,
    pub category_confidence: f32,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    /// 0..1; 1 for a rule.
    pub confidence: f32,
    /// Why: the words that weighed most, or the rule's keyword.
    pub terms: Vec<String>,
    /// "model" or "rule".
    pub source: &'static str,
    /// The rule that matched.
    pub rule_id: Option<String>,
    /// At or above the threshold for automatic dispatch.
    pub automatic: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub orders: usize,
    pub categories: usize,
    pub units: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub keyword: String,
    pub unit_id: String,
    pub unit_name: String,
    pub category_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Suggestions at or above this confidence may be dispatched without a person.
pub const AUTO_DISPATCH_CONFIDENCE: f32 = 0.95;

/// Whether citizens' own submissions are dispatched without a person when the suggestion is
/// sure enough. Off until an administrator turns it on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct AutoDispatch {
    pub enabled: bool,
    pub min_confidence: f32,
}

impl Default for AutoDispatch {
    fn default() -> Self {
        AutoDispatch { enabled: false, min_confidence: AUTO_DISPATCH_CONFIDENCE }
    }
}

/// Orders learned from at most: the most recent ones.
const TRAIN_LIMIT: i64 = 100_000;

impl Store {
    /// The city's words for the segmenter: unit names and the administrators' dictionary.
    pub(crate) async fn city_words(&self) -> Result<Vec<String>, StoreError> {
        let mut words: Vec<String> = self.units().await?.iter().map(|u| u.name.clone()).collect();
        let extra: Vec<(String,)> = sqlx::query_as("SELECT word FROM city_words ORDER BY word").fetch_all(self.pool()).await?;
        words.extend(extra.into_iter().map(|(w,)| w));
        Ok(words)
    }

    /// Adds words to the city dictionary (place names, unit names, local terms); they take
    /// effect at the next training.
    pub async fn add_city_words(&self, words: &[String], actor: &Actor) -> Result<usize, StoreError> {
        let words: Vec<String> = words.iter().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect();
        if words.is_empty() || words.iter().any(|w| w.chars().count() > 20) {
            return Err(DomainError::invalid("invalid_word", "词语不能为空，且每个不超过 20 个字").into());
        }
        in_tx!(self, tx => {
            let mut added = 0;
            for w in &words {
                let r = sqlx::query("INSERT INTO city_words (word, created_at) VALUES ($1, $2) ON CONFLICT (word) DO NOTHING")
                    .bind(w)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                added += r.rows_affected() as usize;
            }
            events::append(&mut tx, NewEvent {
                entity_id: "city_words", entity_kind: "dictionary", action: "add_words", actor,
                from_state: None, to_state: None, details: json!({ "words": words }), at: None,
            })
            .await?;
            Ok(added)
        })
        .inspect(|_| self.forget_segmenter())
    }

    /// Trains the category and unit models on the orders that reached a unit, stores them and
    /// puts them in use. None when there are too few orders to learn from.
    pub async fn train_dispatch(&self) -> Result<Option<TrainReport>, StoreError> {
        let _turn = self.heavy_turn().await;
        let started = std::time::Instant::now();
        // Each order's text and labels, read a row at a time (the rows are not held beside the
        // texts made of them).
        let mut rows = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT i.title, o.content, o.category_id, i.lead_unit_id FROM work_items i JOIN work_orders o ON o.id = i.id
             WHERE i.lead_unit_id IS NOT NULL AND i.state NOT IN ('withdrawn', 'merged')
             ORDER BY i.created_at DESC LIMIT $1",
        )
        .bind(TRAIN_LIMIT)
        .fetch(self.pool());
        let (mut texts, mut categories, mut units) = (Vec::new(), Vec::new(), Vec::new());
        while let Some((title, content, category, unit)) = rows.try_next().await? {
            texts.push(format!("{title}\n{content}"));
            categories.push(category);
            units.push(unit);
        }
        drop(rows);
        if texts.len() < 20 {
            return Ok(None);
        }
        let segmenter = self.segmenter().await?;
        let trained = tokio::task::spawn_blocking(move || {
            // Each order's words once, segmented on every core as ids into one list of the
            // distinct words (a hundred thousand orders' words as strings of their own were some
            // hundreds of megabytes, as shared strings 16 bytes a word), the texts let go of as
            // they are segmented; labelled by category and by unit.
            let corpus = super::topic_words::segment_corpus(texts, &segmenter, 10_000);
            tracing::debug!(orders = corpus.docs.len(), words = corpus.docs.iter().map(|d| d.len()).sum::<usize>(), distinct = corpus.words.len(), "派单模型训练：分词完成");
            // Small cities: keep every word; larger: drop words seen fewer than three times.
            let opts = TrainOptions { min_df: if corpus.docs.len() < 5_000 { 1 } else { 3 }, ..TrainOptions::default() };
            Classifier::train_each(corpus, &[categories, units], opts)
        })
        .await
        .map_err(|e| StoreError::Other(format!("training failed: {e}")))?;
        let [category, unit] = trained;
        let report = TrainReport {
            orders: category.trained_on,
            categories: category.labels.len(),
            units: unit.labels.len(),
            seconds: started.elapsed().as_secs_f64(),
        };
        let stored = Stored { category, unit };
        let data = serde_json::to_string(&stored).map_err(|e| StoreError::Other(e.to_string()))?;
        let at = now_ms();
        in_tx!(self, tx => {
            sqlx::query("DELETE FROM text_models WHERE name = 'dispatch'").execute(&mut *tx).await?;
            sqlx::query("INSERT INTO text_models (name, trained_at, trained_on, data) VALUES ('dispatch', $1, $2, $3)")
                .bind(at)
                .bind(report.orders as i64)
                .bind(&data)
                .execute(&mut *tx)
                .await?;
            crate::changes::mark(&mut tx, crate::changes::DISPATCH_MODEL).await?;
            Ok(())
        })?;
        let Stored { category, unit } = stored;
        self.slots.set(
            Some(Arc::new(DispatchModel { category, unit, trained_at: at, trained_on: report.orders })),
        );
        Ok(Some(report))
    }

    /// When the dispatch model in use was trained, and on how many orders.
    pub async fn dispatch_model_info(&self) -> Result<Option<(chrono::DateTime<chrono::Utc>, i64)>, StoreError> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT trained_at, trained_on FROM text_models WHERE name = 'dispatch'").fetch_optional(self.pool()).await?;
        Ok(row.map(|(at, n)| (crate::db::from_ms(at), n)))
    }

    /// The administrators' words of the city dictionary.
    pub async fn city_dictionary(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT word FROM city_words ORDER BY created_at DESC, word").fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(|(w,)| w).collect())
    }

    /// Trains again when orders reached units since the model was trained, at most every
    /// `min_age_ms`: for the scheduler.
    pub async fn retrain_dispatch_if_stale(&self, min_age_ms: i64) -> Result<Option<TrainReport>, StoreError> {
        use std::sync::atomic::Ordering;
        let now = now_ms();
        if now - self.dispatch_checked.load(Ordering::Relaxed) < min_age_ms {
            return Ok(None);
        }
        self.dispatch_checked.store(now, Ordering::Relaxed);
        let last: Option<(i64,)> = sqlx::query_as("SELECT trained_at FROM text_models WHERE name = 'dispatch'").fetch_optional(self.pool()).await?;
        let since = last.map(|(t,)| t).unwrap_or(0);
        if now_ms() - since < min_age_ms {
            return Ok(None);
        }
        let (newer,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM work_items WHERE kind = 'work_order' AND updated_at > $1 AND lead_unit_id IS NOT NULL")
            .bind(since)
            .fetch_one(self.pool())
            .await?;
        if newer == 0 {
            return Ok(None);
        }
        self.train_dispatch().await
    }

    /// Another server trained a model: the next suggestion loads it.
    pub(crate) fn forget_dispatch_model(&self) {
        self.slots.set::<DispatchModel>(None);
    }

    /// The model in use, loaded from the database the first time.
    async fn dispatch_model(&self) -> Result<Option<Arc<DispatchModel>>, StoreError> {
        if let Some(m) = self.slots.get::<DispatchModel>() {
            return Ok(Some(m));
        }
        let row: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT trained_at, trained_on, data FROM text_models WHERE name = 'dispatch'").fetch_optional(self.pool()).await?;
        let Some((trained_at, trained_on, data)) = row else { return Ok(None) };
        let model = tokio::task::spawn_blocking(move || -> Result<DispatchModel, String> {
            let s: Stored = serde_json::from_str(&data).map_err(|e| e.to_string())?;
            Ok(DispatchModel {
                category: s.category.ready(),
                unit: s.unit.ready(),
                trained_at,
                trained_on: trained_on as usize,
            })
        })
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?
        .map_err(StoreError::Other)?;
        let model = Arc::new(model);
        self.slots.set(Some(model.clone()));
        Ok(Some(model))
    }

    /// Where an order with this text should go: a matching rule first, else the models. None
    /// when no rule matches and no model knows enough of the words.
    pub async fn suggest(&self, text: &str, staff: &Staff) -> Result<Option<Suggestion>, StoreError> {
        if !(staff.is_hotline() || staff.has(sanfu_domain::Role::Admin)) {
            return Err(DomainError::forbidden("forbidden", "只有热线中心可以使用派单建议").into());
        }
        self.suggestion(text).await
    }

    /// The automatic-dispatch setting: on or off, and the confidence it needs.
    pub async fn auto_dispatch_setting(&self) -> Result<AutoDispatch, StoreError> {
        self.setting("auto_dispatch").await
    }

    /// Turns automatic dispatch of citizens' own submissions on or off (administrators).
    pub async fn set_auto_dispatch(&self, setting: AutoDispatch, actor: &Actor) -> Result<AutoDispatch, StoreError> {
        if !(0.5..=1.0).contains(&setting.min_confidence) {
            return Err(DomainError::invalid("invalid_confidence", "自动派单的置信度门槛应在 0.5 到 1 之间").into());
        }
        self.put_setting("auto_dispatch", &setting, ("auto_dispatch", "setting", "update"), json!(setting), actor).await?;
        Ok(setting)
    }

    /// Dispatches a just-registered order by itself when automatic dispatch is on and the
    /// suggestion reaches its confidence; returns the order as it now is, or None.
    pub(crate) async fn auto_dispatch(&self, id: &str, text: &str) -> Result<Option<crate::hotline::orders::OrderView>, StoreError> {
        let setting = self.auto_dispatch_setting().await?;
        if !setting.enabled {
            return Ok(None);
        }
        let Some(s) = self.suggestion(text).await? else { return Ok(None) };
        if s.confidence < setting.min_confidence {
            return Ok(None);
        }
        let lead = self.unit_ref(&s.unit_id).await?;
        let why = if s.source == "rule" { format!("规则“{}”", s.terms.join("")) } else { s.terms.join("、") };
        let note = format!("智能派单：置信度 {}%，依据 {why}", (s.confidence * 100.0).min(99.0).round());
        let system = Actor { principal: sanfu_domain::Principal::System, ip: "auto-dispatch".into() };
        let action = sanfu_domain::hotline::Action::Dispatch { lead, co: vec![], answer_due: None, note: Some(note) };
        Ok(Some(self.act(id, &system, &action).await?))
    }

    async fn suggestion(&self, text: &str) -> Result<Option<Suggestion>, StoreError> {
        let norm = sanfu_text::segment::normalize(text);
        for rule in self.dispatch_rules().await? {
            if norm.contains(&sanfu_text::segment::normalize(&rule.keyword)) {
                let category = match &rule.category_id {
                    Some(c) => self.category(c).await?,
                    None => None,
                };
                let unit_code = self.unit(&rule.unit_id).await?.map(|u| u.code).unwrap_or_default();
                let category_path = match &category {
                    Some(c) => Some(self.category_path(c).await?),
                    None => None,
                };
                return Ok(Some(Suggestion {
                    category_path,
                    category_id: category.as_ref().map(|c| c.id.clone()),
                    category_code: category.as_ref().map(|c| c.code.clone()),
                    unit_code,
                    category_name: category.map(|c| c.name),
                    category_confidence: 1.0,
                    unit_id: rule.unit_id,
                    unit_name: rule.unit_name,
                    confidence: 1.0,
                    terms: vec![rule.keyword],
                    source: "rule",
                    rule_id: Some(rule.id),
                    automatic: true,
                }));
            }
        }
        let Some(model) = self.dispatch_model().await? else { return Ok(None) };
        let norm = sanfu_text::segment::normalize(text);
        let segmenter = self.segmenter().await?;
        let words = segmenter.words_of(&norm);
        let category = model.category.predict(&words);
        let cat = match &category {
            Some(c) => self.category(&c.label).await?,
            None => None,
        };
        // Routing follows the category tree: a confident category goes to its default unit;
        // the unit model, learned from where orders actually went (streets, co-handling
        // units), decides when the category has no default or the unit model is surer.
        let learned = model.unit.predict(&words);
        let by_category = match (&category, cat.as_ref().and_then(|c| c.default_unit_id.clone())) {
            (Some(p), Some(unit_id)) => Some(sanfu_text::Prediction { label: unit_id, ..p.clone() }),
            _ => None,
        };
        let unit = match (by_category, learned) {
            (Some(c), Some(l)) if l.label == c.label => sanfu_text::Prediction { confidence: c.confidence.max(l.confidence), ..c },
            (Some(c), Some(l)) => if l.confidence > c.confidence { l } else { c },
            (Some(c), None) => c,
            (None, Some(l)) => l,
            (None, None) => return Ok(None),
        };
        let Some(u) = self.unit(&unit.label).await? else { return Ok(None) };
        let category_path = match &cat {
            Some(c) => Some(self.category_path(c).await?),
            None => None,
        };
        Ok(Some(Suggestion {
            category_path,
            category_id: cat.as_ref().map(|c| c.id.clone()),
            category_code: cat.as_ref().map(|c| c.code.clone()),
            category_name: cat.map(|c| c.name),
            category_confidence: category.as_ref().map(|c| c.confidence).unwrap_or(0.0),
            unit_id: unit.label,
            unit_code: u.code,
            unit_name: u.name,
            confidence: unit.confidence,
            terms: unit.terms.into_iter().map(|(t, _)| t).collect(),
            source: "model",
            rule_id: None,
            automatic: unit.confidence >= AUTO_DISPATCH_CONFIDENCE,
        }))
    }

    pub async fn dispatch_rules(&self) -> Result<Vec<Rule>, StoreError> {
        let rows: Vec<(String, String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, keyword, unit_id, category_id, created_at FROM dispatch_rules ORDER BY created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        let units = self.units().await?;
        Ok(rows
            .into_iter()
            .map(|(id, keyword, unit_id, category_id, at)| Rule {
                unit_name: units.iter().find(|u| u.id == unit_id).map(|u| u.name.clone()).unwrap_or_default(),
                id,
                keyword,
                unit_id,
                category_id,
                created_at: crate::db::from_ms(at),
            })
            .collect())
    }

    /// A rule: text containing `keyword` (a word or a place) goes to `unit`.
    pub async fn add_dispatch_rule(&self, keyword: &str, unit: &str, category: Option<&str>, actor: &Actor) -> Result<Rule, StoreError> {
        let keyword = keyword.trim();
        if keyword.chars().count() < 2 || keyword.chars().count() > 30 {
            return Err(DomainError::invalid("invalid_keyword", "关键词应为 2 到 30 个字").into());
        }
        let Some(u) = self.unit(unit).await? else {
            return Err(DomainError::invalid("unknown_unit", format!("单位“{unit}”不存在")).into());
        };
        let category_id = match category {
            Some(c) => match self.category(c).await? {
                Some(c) => Some(c.id),
                None => return Err(DomainError::invalid("unknown_category", format!("分类“{c}”不存在")).into()),
            },
            None => None,
        };
        let id = new_id();
        let at = now_ms();
        in_tx!(self, tx => {
            sqlx::query("INSERT INTO dispatch_rules (id, keyword, unit_id, category_id, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&id)
                .bind(keyword)
                .bind(&u.id)
                .bind(&category_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            events::append(&mut tx, NewEvent {
                entity_id: &id, entity_kind: "dispatch_rule", action: "create", actor,
                from_state: None, to_state: None,
                details: json!({ "keyword": keyword, "unit_id": u.id, "category_id": category_id }), at: None,
            })
            .await?;
            Ok(())
        })?;
        Ok(Rule { id, keyword: keyword.to_string(), unit_id: u.id, unit_name: u.name, category_id, created_at: crate::db::from_ms(at) })
    }
}
