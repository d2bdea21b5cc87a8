//! `sanfu eval dispatch --data DIR`: the dispatch classifier measured on the fixed split of the
//! 2020 Teddy Cup messages (../shared/data/README.md). The data is read where it lies and
//! never copied.
//!
//! Test: the rows of fj2_raw_labeled.csv.gz whose `source` is `marsw20_test`, classified from
//! their raw text (segmentation included in the timing). Train: the rows of
//! fj2_full_tokens.csv.gz (already segmented, stop words removed) except those a test row links
//! to by `full_row`, and the other raw rows, segmented here.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use sanfu_text::{Classifier, Segmenter, TrainOptions};

pub struct Split {
    pub train: Vec<(Vec<String>, String)>,
    pub test: Vec<(String, String)>,
}

fn gz_csv(path: &Path) -> Result<csv::Reader<Box<dyn Read>>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let r: Box<dyn Read> = Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(f)));
    Ok(csv::Reader::from_reader(r))
}

fn column(headers: &csv::StringRecord, name: &str) -> Result<usize> {
    headers.iter().position(|h| h == name).with_context(|| format!("no column {name}"))
}

/// The fixed split.
pub fn load_split(dir: &Path) -> Result<Split> {
    let mut raw = gz_csv(&dir.join("fj2_raw_labeled.csv.gz"))?;
    let h = raw.headers()?.clone();
    let (source, label, text, full_row) = (column(&h, "source")?, column(&h, "label")?, column(&h, "text")?, column(&h, "full_row")?);
    let mut test = Vec::new();
    let mut held_out = HashSet::new();
    let mut raw_train = Vec::new();
    for rec in raw.records() {
        let rec = rec?;
        if &rec[source] != "marsw20_test" {
            raw_train.push((rec[text].to_string(), rec[label].to_string(), rec[full_row].to_string()));
        }
        if &rec[source] == "marsw20_test" {
            test.push((rec[text].to_string(), rec[label].to_string()));
            if !rec[full_row].is_empty() {
                held_out.insert(rec[full_row].to_string());
            }
        }
    }
    let mut tokens = gz_csv(&dir.join("fj2_full_tokens.csv.gz"))?;
    let h = tokens.headers()?.clone();
    let (row, toks, label) = (column(&h, "full_row")?, column(&h, "tokens")?, column(&h, "label")?);
    let mut train = Vec::new();
    for rec in tokens.records() {
        let rec = rec?;
        if held_out.contains(&rec[row]) {
            continue;
        }
        let words = rec[toks].split_whitespace().map(sanfu_text::segment::normalize).collect();
        train.push((words, rec[label].to_string()));
    }
    // The other raw rows too, segmented as new orders will be: the same messages as their
    // token rows, but in the form the classifier meets at work. Raw rows whose text is a test
    // row's, or that link to a held-out token row, stay out.
    let seg = Segmenter::new();
    let test_texts: HashSet<&String> = test.iter().map(|(t, _)| t).collect();
    for (t, l, row) in &raw_train {
        if !test_texts.contains(t) && !held_out.contains(row) {
            train.push((seg.words(t), l.clone()));
        }
    }
    if test.is_empty() || train.is_empty() {
        bail!("{} holds no test or no training rows", dir.display());
    }
    Ok(Split { train, test })
}

pub struct Report {
    pub macro_f1: f64,
    pub accuracy: f64,
    pub msgs_per_s: f64,
    pub train_s: f64,
    pub train_rows: usize,
    pub test_rows: usize,
    /// Share of test messages with confidence ≥ 0.9, and the accuracy on them.
    pub confident_share: f64,
    pub confident_accuracy: f64,
}

/// Macro-F1 and accuracy of predictions against the truth.
pub fn scores(truth: &[String], predicted: &[String]) -> (f64, f64) {
    let mut tp: BTreeMap<&str, f64> = BTreeMap::new();
    let mut fp: BTreeMap<&str, f64> = BTreeMap::new();
    let mut fn_: BTreeMap<&str, f64> = BTreeMap::new();
    for (t, p) in truth.iter().zip(predicted) {
        tp.entry(t).or_default();
        if t == p {
            *tp.entry(t).or_default() += 1.0;
        } else {
            *fp.entry(p).or_default() += 1.0;
            *fn_.entry(t).or_default() += 1.0;
        }
    }
    let f1s: Vec<f64> = tp
        .iter()
        .map(|(l, &tp)| {
            let (fp, fn_) = (fp.get(l).copied().unwrap_or(0.0), fn_.get(l).copied().unwrap_or(0.0));
            if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + fn_) }
        })
        .collect();
    let accuracy = truth.iter().zip(predicted).filter(|(t, p)| t == p).count() as f64 / truth.len() as f64;
    (f1s.iter().sum::<f64>() / f1s.len() as f64, accuracy)
}

pub fn dispatch(dir: &Path) -> Result<Report> {
    let split = load_split(dir)?;
    let started = Instant::now();
    let model = Classifier::train(&split.train, TrainOptions::default());
    let train_s = started.elapsed().as_secs_f64();

    let seg = Segmenter::new();
    let t0 = Instant::now();
    for (text, _) in &split.test { std::hint::black_box(seg.words(text)); }
    eprintln!("segmentation alone: {:.0} msgs/s", split.test.len() as f64 / t0.elapsed().as_secs_f64());
    // Classification on one core, segmentation included; repeated until it has run a second.
    let started = Instant::now();
    let mut runs = 0;
    let mut predictions = Vec::new();
    while runs == 0 || started.elapsed().as_secs_f64() < 1.0 {
        predictions = split
            .test
            .iter()
            .map(|(text, _)| {
                let norm = sanfu_text::segment::normalize(text);
                model.predict(&seg.words_of(&norm))
            })
            .collect();
        runs += 1;
    }
    let msgs_per_s = (runs * split.test.len()) as f64 / started.elapsed().as_secs_f64();

    let truth: Vec<String> = split.test.iter().map(|(_, l)| l.clone()).collect();
    let labels: Vec<String> =
        predictions.iter().map(|p| p.as_ref().map(|p| p.label.clone()).unwrap_or_default()).collect();
    let (macro_f1, accuracy) = scores(&truth, &labels);
    let confident: Vec<bool> = predictions
        .iter()
        .zip(&truth)
        .filter(|(p, _)| p.as_ref().is_some_and(|p| p.confidence >= 0.9))
        .map(|(p, t)| p.as_ref().is_some_and(|p| &p.label == t))
        .collect();
    Ok(Report {
        macro_f1,
        accuracy,
        msgs_per_s,
        train_s,
        train_rows: split.train.len(),
        test_rows: split.test.len(),
        confident_share: confident.len() as f64 / truth.len() as f64,
        confident_accuracy: confident.iter().filter(|c| **c).count() as f64 / confident.len().max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_averages_the_labels() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // a: tp 2, fn 1 → F1 0.8; b: tp 1, fp 1 → F1 2/3.
        let (f1, acc) = scores(&s(&["a", "a", "a", "b"]), &s(&["a", "a", "b", "b"]));
        assert!((f1 - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
        assert!((acc - 0.75).abs() < 1e-9);
    }
}

#[cfg(test)]
mod teddy {
    use super::*;

    /// The real split, when the data is on this machine: the figures `sanfu eval dispatch`
    /// reports must hold (speed is for BENCHMARKS.md, not for a test).
    #[test]
    fn the_dispatch_classifier_reaches_its_target_on_the_teddy_split() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/teddy2020c");
        if !dir.join("fj2_raw_labeled.csv.gz").exists() {
            eprintln!("skipped: the Teddy Cup data is not at {} on this machine", dir.display());
            return;
        }
        let r = dispatch(&dir).expect("eval");
        assert_eq!(r.test_rows, 921);
        assert!(r.macro_f1 >= 0.93, "macro-F1 {:.4}", r.macro_f1);
        assert!(r.accuracy >= 0.93, "accuracy {:.4}", r.accuracy);
    }
}

/// The messages of fj3_hotspot.csv.gz: who wrote each, its subject, body and time.
struct Hotspot {
    users: Vec<String>,
    subjects: Vec<String>,
    bodies: Vec<String>,
    times: Vec<Option<chrono::NaiveDateTime>>,
}

impl Hotspot {
    fn load(dir: &Path) -> Result<Hotspot> {
        let mut r = gz_csv(&dir.join("fj3_hotspot.csv.gz"))?;
        let h = r.headers()?.clone();
        let (user, subject, body, time) = (column(&h, "user")?, column(&h, "subject")?, column(&h, "body")?, column(&h, "time")?);
        let mut m = Hotspot { users: Vec::new(), subjects: Vec::new(), bodies: Vec::new(), times: Vec::new() };
        for rec in r.records() {
            let rec = rec?;
            m.users.push(rec[user].to_string());
            m.subjects.push(rec[subject].to_string());
            m.bodies.push(rec[body].to_string());
            m.times.push(chrono::NaiveDateTime::parse_from_str(rec[time].trim(), "%Y-%m-%d %H:%M:%S").ok());
        }
        Ok(m)
    }

    /// As when registering: only messages within so many days of each other are compared.
    fn near(&self, i: usize, j: usize, window_days: Option<i64>) -> bool {
        match (window_days, self.times[i], self.times[j]) {
            (None, _, _) => true,
            (Some(d), Some(a), Some(b)) => (a - b).num_days().abs() <= d,
            _ => false,
        }
    }
}

/// Duplicate detection measured on fj3_hotspot.csv.gz: the reference pairs are messages with
/// the same subject or the same body (whitespace ignored) — what the board itself shows as
/// posted twice; the detector reads the bodies only, so a pair with the same subject is found
/// only if its bodies are alike. Returns (threshold, precision, recall) for several thresholds.
pub fn duplicates(dir: &Path, window_days: Option<i64>) -> Result<(usize, usize, Vec<(f32, f64, f64)>)> {
    let m = Hotspot::load(dir)?;
    let subjects: Vec<String> = m.subjects.iter().map(|s| s.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    let (bodies, near) = (&m.bodies, |i: usize, j: usize| m.near(i, j, window_days));
    let n = bodies.len();
    let squashed: Vec<String> = bodies.iter().map(|b| b.chars().filter(|c| !c.is_whitespace()).collect()).collect();
    let mut gold = HashSet::new();
    for i in 0..n {
        for j in i + 1..n {
            if near(i, j) && ((!subjects[i].is_empty() && subjects[i] == subjects[j]) || (!squashed[i].is_empty() && squashed[i] == squashed[j])) {
                gold.insert((i, j));
            }
        }
    }
    let prints: Vec<_> = bodies.iter().map(|b| sanfu_text::dup::fingerprint(b)).collect();
    let mut scored = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if !near(i, j) {
                continue;
            }
            let s = sanfu_text::cosine(&prints[i], &prints[j]);
            if s >= 0.3 {
                scored.push((i, j, s));
            }
        }
    }
    let mut out = Vec::new();
    for t in [0.3f32, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        let found: Vec<(usize, usize)> = scored.iter().filter(|(_, _, s)| *s >= t).map(|(i, j, _)| (*i, *j)).collect();
        let right = found.iter().filter(|p| gold.contains(p)).count();
        out.push((t, right as f64 / found.len().max(1) as f64, right as f64 / gold.len().max(1) as f64));
    }
    Ok((n, gold.len(), out))
}

/// Hot topics of fj3_hotspot.csv.gz, printed as a table, then the contest's reference answer
/// (team jesHrz's five topics, not gold) with the cluster of ours that shares most of its
/// messages.
pub fn topics(dir: &Path) -> Result<()> {
    let mut r = gz_csv(&dir.join("fj3_hotspot.csv.gz"))?;
    let h = r.headers()?.clone();
    let (id, user, time, subject, body, likes) =
        (column(&h, "id")?, column(&h, "user")?, column(&h, "time")?, column(&h, "subject")?, column(&h, "body")?, column(&h, "likes")?);
    let mut rows: Vec<(String, String, String, String, String, i64)> = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        rows.push((rec[id].to_string(), rec[user].to_string(), rec[time].to_string(), rec[subject].to_string(), rec[body].to_string(), rec[likes].parse().unwrap_or(0)));
    }
    rows.sort_by(|a, b| a.2.cmp(&b.2));
    let seg = Segmenter::new();
    let started = Instant::now();
    // The subject says what the message is about; it counts twice.
    let docs: Vec<Vec<String>> = rows.iter().map(|r| seg.words(&format!("{}\n{}\n{}", r.3, r.3, r.4))).collect();
    let clusters = sanfu_text::topics::cluster(&docs, sanfu_text::topics::JOIN_SIMILARITY);
    let secs = started.elapsed().as_secs_f64();
    // Heat: how many people wrote, and (on a log scale) how many agreed with them.
    let heat = |c: &sanfu_text::topics::Cluster| {
        let users: HashSet<&str> = c.members.iter().map(|&i| rows[i].1.as_str()).collect();
        users.len() as f64 + (1.0 + c.members.iter().map(|&i| rows[i].5 as f64).sum::<f64>()).ln()
    };
    let mut ranked: Vec<&sanfu_text::topics::Cluster> = clusters.iter().collect();
    ranked.sort_by(|a, b| heat(b).total_cmp(&heat(a)));
    println!("topics messages={} clusters={} seconds={secs:.2}", rows.len(), clusters.len());
    println!("| rank | heat | messages | time range | places | label | a message |");
    println!("|---|---|---|---|---|---|---|");
    for (k, c) in ranked.iter().take(10).enumerate() {
        let times: Vec<&str> = c.members.iter().map(|&i| &rows[i].2[..10.min(rows[i].2.len())]).collect();
        let places: Vec<&str> = c.places.iter().map(|(p, _)| p.as_str()).collect();
        println!(
            "| {} | {:.1} | {} | {}–{} | {} | {} | {} |",
            k + 1,
            heat(c),
            c.members.len(),
            times.iter().min().unwrap_or(&""),
            times.iter().max().unwrap_or(&""),
            places.join("、"),
            c.label.join("、"),
            rows[c.members[0]].3
        );
    }
    // The reference answer.
    let mut refs = csv::Reader::from_path(dir.join("hot_topics_jesHrz.csv"))?;
    let mut members = csv::Reader::from_path(dir.join("hot_topic_members_jesHrz.csv"))?;
    let mut by_topic: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for rec in members.records() {
        let rec = rec?;
        by_topic.entry(rec[0].to_string()).or_default().insert(rec[1].to_string());
    }
    println!();
    println!("| reference rank | reference topic | its messages | our best cluster (rank) | shared messages | our label |");
    println!("|---|---|---|---|---|---|");
    for rec in refs.records() {
        let rec = rec?;
        let ids = by_topic.get(&rec[1]).cloned().unwrap_or_default();
        let best = ranked
            .iter()
            .enumerate()
            .map(|(k, c)| (k, c, c.members.iter().filter(|&&i| ids.contains(&rows[i].0)).count()))
            .max_by_key(|(_, _, shared)| *shared);
        match best {
            Some((k, c, shared)) if shared > 0 => println!(
                "| {} | {}：{} | {} | {} ({} messages) | {} | {} |",
                &rec[0], &rec[4], &rec[5], ids.len(), k + 1, c.members.len(), shared, c.label.join("、")
            ),
            _ => println!("| {} | {}：{} | {} | none | 0 | |", &rec[0], &rec[4], &rec[5], ids.len()),
        }
    }
    Ok(())
}

/// The duplicate detector's scorers compared on fj3_hotspot.csv.gz, each on two halves of the
/// messages (by position: even and odd; a pair is in a half when both its messages are), so
/// that a rule is chosen on half A and reported once on half B: (scorer, half, threshold,
/// precision, recall).
///
/// The reference pairs: the same subject or the same body (whitespace ignored) — and, unless
/// `strict`, the same text posted again with another greeting: the body without whitespace and
/// punctuation, from after an opening 「…您好」, one containing the other (at least 30
/// characters). The strict reference counts such reposts as false alarms.
pub fn duplicate_scorers(dir: &Path, window_days: Option<i64>, strict: bool) -> Result<Vec<(&'static str, char, f32, f64, f64)>> {
    let m = Hotspot::load(dir)?;
    let (users, subjects, bodies) = (&m.users, &m.subjects, &m.bodies);
    let near = |i: usize, j: usize| m.near(i, j, window_days);
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let (ss, sb): (Vec<String>, Vec<String>) = (subjects.iter().map(|s| squash(s)).collect(), bodies.iter().map(|s| squash(s)).collect());
    let n = bodies.len();
    let fb: Vec<_> = bodies.iter().map(|b| sanfu_text::dup::fingerprint(b)).collect();
    let ft: Vec<_> = (0..n).map(|i| sanfu_text::dup::fingerprint(&format!("{}\n{}", subjects[i], bodies[i]))).collect();
    let fs: Vec<_> = subjects.iter().map(|s| sanfu_text::dup::fingerprint(s)).collect();
    // The same text posted twice, greeting aside: the body without whitespace and punctuation,
    // from after a salutation (「尊敬的…：您好！」) that opens it, one containing the other.
    let core: Vec<String> = bodies
        .iter()
        .map(|b| {
            let t: String = b.chars().filter(|c| c.is_alphanumeric()).collect();
            match t.char_indices().take(40).find(|(_, c)| *c == '好').map(|(i, _)| i) {
                Some(i) if t[..i].ends_with('您') || t[..i].ends_with('你') => t[i + '好'.len_utf8()..].to_string(),
                _ => t,
            }
        })
        .collect();
    let reposted = |i: usize, j: usize| {
        let (a, b) = if core[i].len() <= core[j].len() { (&core[i], &core[j]) } else { (&core[j], &core[i]) };
        a.chars().count() >= 30 && b.contains(a.as_str())
    };
    // (i, j, gold, same user, body, text, subject)
    let mut pairs = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if !near(i, j) || (i % 2) != (j % 2) {
                continue;
            }
            let gold = (!ss[i].is_empty() && ss[i] == ss[j]) || (!sb[i].is_empty() && sb[i] == sb[j]) || (!strict && reposted(i, j));
            let t = sanfu_text::cosine(&ft[i], &ft[j]);
            if !gold && t < 0.2 {
                continue;
            }
            pairs.push((i, gold, users[i] == users[j], sanfu_text::cosine(&fb[i], &fb[j]), t, sanfu_text::cosine(&fs[i], &fs[j])));
        }
    }
    let mut out = Vec::new();
    type Scorer = fn(&(usize, bool, bool, f32, f32, f32), f32) -> bool;
    let scorers: [(&'static str, Scorer); 7] = [
        ("caller_and_text", |p, t| p.2 && p.4 >= t),
        ("caller_or_exact", |p, t| (p.2 && p.4 >= t) || p.4 >= 0.98),
        ("body", |p, t| p.3 >= t),
        ("text", |p, t| p.4 >= t),
        ("text_or_caller", |p, t| p.4 >= t || (p.2 && p.4 >= t / 2.0)),
        // What Sanfu flags as 高度疑似重复 (`sanfu_text::dup::likely_duplicate`), at t = 0.95.
        ("subject_and_body", |p, t| p.5.max(p.3) >= t && p.4 >= t / 2.0),
        ("text_and_subject", |p, t| p.4 >= t && p.5 >= t / 2.0),
    ];
    for (name, f) in scorers {
        for half in ['A', 'B'] {
            let mine: Vec<_> = pairs.iter().filter(|p| (p.0 % 2 == 0) == (half == 'A')).collect();
            let gold = mine.iter().filter(|p| p.1).count();
            for k in 6..=19 {
                let t = k as f32 * 0.05;
                let found: Vec<_> = mine.iter().filter(|p| f(p, t)).collect();
                let right = found.iter().filter(|p| p.1).count();
                out.push((name, half, t, right as f64 / found.len().max(1) as f64, right as f64 / gold.max(1) as f64));
            }
        }
    }
    Ok(out)
}

/// Knowledge suggestions measured on the demo city's orders: a fresh demo city (six months of
/// generated orders, each written for its category, and the knowledge base), and for each of
/// `sample` orders after the first `skip` (by number) the entries suggested to the operator. An entry is right for an order when it
/// is of the order's category (the generator's label). Reports, for the suggestions as weighed
/// now and as the index alone ranked them before: precision (right suggestions of all shown),
/// the orders shown something wrong, and recall (orders of a category with an entry that are
/// shown it).
pub async fn knowledge(skip: usize, sample: usize) -> Result<Vec<(&'static str, f64, f64, f64, usize)>> {
    let dir = tempfile::tempdir()?;
    let store = sanfu_store::Store::open(&format!("sqlite://{}?mode=rwc", dir.path().join("eval.db").display())).await?;
    store.seed_demo(true).await?;
    let orders: Vec<_> = store.order_texts(skip + sample).await?.into_iter().skip(skip).collect();
    let with_entry: HashSet<String> = store.search_entries("", None, false, 1000).await?.into_iter().filter_map(|e| e.category_id).collect();
    let mut out = Vec::new();
    for way in ["weighed", "index_only"] {
        let (mut shown, mut right, mut wrong_orders, mut due, mut found) = (0usize, 0usize, 0usize, 0usize, 0usize);
        for (subject, content, category) in &orders {
            let text = format!("{subject}\n{content}");
            let got = if way == "weighed" {
                store.related_entries(&text, false, 3).await?
            } else {
                store.knowledge_candidates(&text, 3).await?
            };
            let ok = got.iter().filter(|e| e.category_id.as_deref() == Some(category.as_str())).count();
            shown += got.len();
            right += ok;
            if ok < got.len() {
                wrong_orders += 1;
            }
            if with_entry.contains(category) {
                due += 1;
                if ok > 0 {
                    found += 1;
                }
            }
        }
        out.push((way, right as f64 / shown.max(1) as f64, wrong_orders as f64 / orders.len().max(1) as f64, found as f64 / due.max(1) as f64, orders.len()));
    }
    Ok(out)
}

/// `sanfu eval duplicates`: 高度疑似重复 (chosen on half A, reported on half B) against both
/// references — every rule and threshold with `compare` — then the look-alike threshold's table.
pub fn print_duplicates(data: &Path, compare: bool) -> Result<()> {
    // 高度疑似重复 (chosen on half A, reported on half B), against both references.
    let window = Some(sanfu_store::hotline::similar::RECENT_DAYS);
    for strict in [false, true] {
        let reference = if strict { "same subject or body" } else { "same subject or body, or reposted" };
        for (name, half, t, p, r) in duplicate_scorers(data, window, strict)? {
            let chosen = name == "subject_and_body" && (t - sanfu_text::dup::COPY_SIMILARITY).abs() < 1e-3;
            if compare || chosen {
                println!("likely_duplicate reference=\"{reference}\" scorer={name} half={half} threshold={t:.2} precision={p:.3} recall={r:.3}");
            }
        }
    }
    for window in [None, Some(sanfu_store::hotline::similar::RECENT_DAYS)] {
        let (n, gold, rows) = duplicates(data, window)?;
        let scope = window.map(|d| format!("within {d} days")).unwrap_or_else(|| "all pairs".into());
        eprintln!("{n} messages, {gold} reference duplicate pairs ({scope})");
        for (t, p, r) in &rows {
            let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
            let mark = if (*t - sanfu_text::dup::DUPLICATE_SIMILARITY).abs() < 1e-6 { "  ← in use" } else { "" };
            let w = window.map(|d| format!(" window_days={d}")).unwrap_or_default();
            println!("duplicates{w} threshold={t:.1} precision={p:.3} recall={r:.3} f1={f1:.3}{mark}");
        }
    }
    Ok(())
}

/// `sanfu eval knowledge`: the suggestions as weighed now and as the index alone ranked them.
pub async fn print_knowledge(skip: usize, sample: usize) -> Result<()> {
    for (way, precision, wrong, recall, n) in knowledge(skip, sample).await? {
        println!("knowledge orders={n} ranking={way} precision={precision:.3} orders_shown_a_wrong_entry={wrong:.3} recall={recall:.3}");
    }
    Ok(())
}
