//! The dispatch classifier: a linear support vector machine per label (one against the rest)
//! over TF-IDF words and word pairs, trained by dual coordinate descent — the algorithm of
//! LIBLINEAR (Hsieh et al., 2008), which scikit-learn's LinearSVC also runs. No maintained
//! Rust crate trains linear SVMs on sparse text this way (linfa-svm is a kernel SMO solver on
//! dense matrices), so the solver, some forty lines, is written here.

use serde::{Deserialize, Serialize};

use crate::features::{Corpus, SparseVec, Vocabulary};

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Penalty for margin violations (LinearSVC's C).
    pub c: f32,
    /// Terms must occur in this many training documents.
    pub min_df: u32,
    /// Passes over the data at most.
    pub max_iter: usize,
    /// Scale terms by their naive-Bayes log-count ratio before the SVM (NB-SVM).
    pub nb: bool,
    /// The naive-Bayes smoothing added to every term's count.
    pub nb_alpha: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { c: 1.0, min_df: 3, max_iter: 200, nb: true, nb_alpha: 0.03 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    pub labels: Vec<String>,
    pub vocab: Vocabulary,
    /// Per label: one weight per term, then the bias.
    pub weights: Vec<Vec<f32>>,
    /// How many documents it learned from.
    pub trained_on: usize,
}

/// A suggestion with the terms that weighed most for it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Prediction {
    pub label: String,
    /// 0..1, from the margins of the labels (a softmax); see [`Classifier::predict`].
    pub confidence: f32,
    /// The runner-up, for the operator who doubts.
    pub second: Option<(String, f32)>,
    /// The terms of the text that pushed most toward the label, strongest first.
    pub terms: Vec<(String, f32)>,
}

/// How sharply margins turn into confidences: chosen so that on held-out citizens' messages a
/// confidence of 0.9 is right about nine times in ten (see `sanfu eval dispatch`).
const SHARPNESS: f32 = 4.0;

impl Classifier {
    /// Learns from documents given as their words, each with its label.
    pub fn train<S: AsRef<str>>(docs: &[(Vec<S>, String)], opts: TrainOptions) -> Classifier {
        let vocab = Vocabulary::learn(docs.iter().map(|(w, _)| w.as_slice()), opts.min_df);
        let xs: Vec<SparseVec> = docs.iter().map(|(w, _)| vocab.vector(w)).collect();
        let of_docs: Vec<&str> = docs.iter().map(|(_, l)| l.as_str()).collect();
        Classifier::train_vectors(vocab, &xs, &of_docs, opts)
    }

    /// Classifiers of the same documents under several labellings (`labellings[k][i]` is the
    /// label of document `i` in the `k`-th), as [`Classifier::train`] would learn each: the
    /// vocabulary and the vectors are learned once, and the corpus let go of before the machines
    /// are trained (a hundred thousand orders' words are held once, 4 bytes a word, and not while
    /// they train).
    pub fn train_each<const N: usize>(corpus: Corpus, labellings: &[Vec<String>; N], opts: TrainOptions) -> [Classifier; N] {
        let vocab = Vocabulary::learn_corpus(&corpus, opts.min_df);
        let xs: Vec<SparseVec> = vocab.vectors(&corpus);
        drop(corpus);
        labellings.each_ref().map(|labels| {
            let of_docs: Vec<&str> = labels.iter().map(String::as_str).collect();
            Classifier::train_vectors(vocab.clone(), &xs, &of_docs, opts)
        })
    }

    /// The machines of each label over the documents' vectors `xs`, `of_docs[i]` the label of
    /// `xs[i]`.
    fn train_vectors(vocab: Vocabulary, xs: &[SparseVec], of_docs: &[&str], opts: TrainOptions) -> Classifier {
        let mut labels: Vec<String> = of_docs.iter().map(|l| l.to_string()).collect();
        labels.sort_unstable();
        labels.dedup();
        let ys: Vec<usize> = of_docs.iter().map(|l| labels.binary_search_by(|x| x.as_str().cmp(l)).unwrap_or(0)).collect();
        let dim = vocab.len();
        let train_one = |k: usize| -> Vec<f32> {
            let y: Vec<f32> = ys.iter().map(|&c| if c == k { 1.0 } else { -1.0 }).collect();
            if !opts.nb {
                return dual_cd(xs, |_, _, v| v, &y, dim, opts.c, opts.max_iter, k as u64 + 1);
            }
            // NB-SVM (Wang & Manning, 2012): each term scaled by how much likelier it is in
            // this label's documents than in the others', then the SVM on the scaled vectors;
            // the scaling folds back into the weights, so prediction costs the same.
            let (mut p, mut q) = (vec![opts.nb_alpha; dim], vec![opts.nb_alpha; dim]);
            for (x, &yi) in xs.iter().zip(&y) {
                let side = if yi > 0.0 { &mut p } else { &mut q };
                for &(j, v) in x {
                    side[j as usize] += v;
                }
            }
            let (sp, sq) = (p.iter().sum::<f32>(), q.iter().sum::<f32>());
            let r: Vec<f32> = p.iter().zip(&q).map(|(a, b)| ((a / sp) / (b / sq)).ln()).collect();
            // The scaled vectors, L2-normalised, are not made: each value is scaled where the
            // solver reads it (a copy of a hundred thousand documents' vectors per core was the
            // training's largest part). The same products and quotients as normalising a copy.
            let scaled = Scaled::new(xs, &r);
            let mut w = dual_cd(xs, |i, j, v| scaled.value(i, j, v), &y, dim, opts.c, opts.max_iter, k as u64 + 1);
            for (wj, rj) in w.iter_mut().zip(&r) {
                *wj *= rj;
            }
            w
        };
        // The labels are independent problems: train them on every core.
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(labels.len().max(1));
        let mut weights: Vec<Vec<f32>> = vec![Vec::new(); labels.len()];
        std::thread::scope(|s| {
            let chunks: Vec<Vec<usize>> = (0..threads).map(|t| (t..labels.len()).step_by(threads).collect()).collect();
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|ks| {
                    let train_one = &train_one;
                    s.spawn(move || ks.into_iter().map(|k| (k, train_one(k))).collect::<Vec<_>>())
                })
                .collect();
            for h in handles {
                if let Ok(done) = h.join() {
                    for (k, w) in done {
                        weights[k] = w;
                    }
                }
            }
        });
        Classifier { labels, vocab, weights, trained_on: xs.len() }
    }

    /// After deserialising: rebuild the vocabulary's lookup table.
    pub fn ready(mut self) -> Classifier {
        self.vocab.reindex();
        self
    }

    /// The margin of each label for a vector.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        self.weights
            .iter()
            .map(|w| {
                let bias = w.last().copied().unwrap_or(0.0);
                x.iter().map(|&(i, v)| w[i as usize] * v).sum::<f32>() + bias
            })
            .collect()
    }

    /// The most likely label of a text given as its words, with a confidence and the terms that
    /// weighed most. None when the classifier knows no label or none of the words.
    pub fn predict<S: AsRef<str>>(&self, words: &[S]) -> Option<Prediction> {
        let x = self.vocab.vector(words);
        if x.is_empty() || self.labels.is_empty() {
            return None;
        }
        let scores = self.scores(&x);
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let max = scores[order[0]];
        let exp: Vec<f32> = scores.iter().map(|s| ((s - max) * SHARPNESS).exp()).collect();
        let total: f32 = exp.iter().sum();
        let best = order[0];
        let w = &self.weights[best];
        let mut contrib: Vec<(u32, f32)> =
            x.iter().map(|&(i, v)| (i, w[i as usize] * v)).filter(|(_, c)| *c > 0.0).collect();
        contrib.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
        let terms = contrib.iter().take(6).map(|&(i, c)| (self.vocab.terms[i as usize].clone(), c)).collect();
        Some(Prediction {
            label: self.labels[best].clone(),
            confidence: exp[best] / total,
            second: order.get(1).map(|&k| (self.labels[k].clone(), exp[k] / total)),
            terms,
        })
    }
}

/// Documents' vectors with each term scaled and each vector L2-normalised again, without a copy
/// of them: [`Scaled::value`] gives the value a normalised copy would hold.
struct Scaled<'a> {
    r: &'a [f32],
    /// Each scaled vector's length, as [`crate::features::normalize`] computes it.
    norms: Vec<f32>,
}

impl<'a> Scaled<'a> {
    fn new(xs: &[SparseVec], r: &'a [f32]) -> Scaled<'a> {
        let norms = xs.iter().map(|x| x.iter().map(|&(j, v)| v * r[j as usize]).map(|s| s * s).sum::<f32>().sqrt()).collect();
        Scaled { r, norms }
    }

    /// The value `v` of term `j` in document `i`, scaled and normalised.
    fn value(&self, i: usize, j: u32, v: f32) -> f32 {
        let s = v * self.r[j as usize];
        if self.norms[i] > 0.0 { s / self.norms[i] } else { s }
    }
}

/// L2-regularised, L2-loss (squared hinge) linear SVM in the dual, by coordinate descent, with a
/// bias as an extra feature of value 1. Returns the weights, bias last. `value(i, j, v)` is the
/// value the solver uses for the value `v` of term `j` in document `i` (the document's own, or
/// scaled).
fn dual_cd(xs: &[SparseVec], value: impl Fn(usize, u32, f32) -> f32, y: &[f32], dim: usize, c: f32, max_iter: usize, seed: u64) -> Vec<f32> {
    let n = xs.len();
    let diag = 0.5 / c;
    let mut w = vec![0.0f32; dim + 1];
    let mut alpha = vec![0.0f32; n];
    let qd: Vec<f32> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| x.iter().map(|&(j, v)| value(i, j, v)).map(|v| v * v).sum::<f32>() + 1.0 + diag)
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..max_iter {
        // A Fisher–Yates shuffle with xorshift: the order of visits matters little, only that it changes.
        for i in (1..n).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let x = &xs[i];
            let dot = x.iter().map(|&(j, v)| w[j as usize] * value(i, j, v)).sum::<f32>() + w[dim];
            let g = y[i] * dot - 1.0 + diag * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y[i];
                for &(j, v) in x {
                    w[j as usize] += d * value(i, j, v);
                }
                w[dim] += d;
            }
        }
        if pg_max - pg_min < 0.1 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str, l: &str) -> (Vec<String>, String) {
        (s.split(' ').map(str::to_string).collect(), l.to_string())
    }

    #[test]
    fn terms_scaled_where_the_solver_reads_them_give_the_weights_of_a_scaled_copy() {
        let texts = ["路灯 不亮 小区 晚上", "路灯 损坏 道路 黑暗", "停水 自来水 水压 小区", "自来水 浑浊 黄色 水质", "学校 收费 补课 老师", "学位 入学 小学 户口"];
        let words: Vec<Vec<&str>> = texts.iter().map(|t| t.split(' ').collect()).collect();
        let vocab = Vocabulary::learn(words.iter().map(Vec::as_slice), 1);
        let xs: Vec<SparseVec> = words.iter().map(|w| vocab.vector(w)).collect();
        let r: Vec<f32> = (0..vocab.len()).map(|j| ((j * 7) % 11) as f32 / 5.0 - 1.0).collect();
        let copies: Vec<SparseVec> = xs
            .iter()
            .map(|x| {
                let mut s: SparseVec = x.iter().map(|&(j, v)| (j, v * r[j as usize])).collect();
                crate::features::normalize(&mut s);
                s
            })
            .collect();
        let y = [1.0, 1.0, -1.0, -1.0, -1.0, 1.0];
        let scaled = Scaled::new(&xs, &r);
        let w = dual_cd(&xs, |i, j, v| scaled.value(i, j, v), &y, vocab.len(), 1.0, 200, 3);
        assert_eq!(w, dual_cd(&copies, |_, _, v| v, &y, vocab.len(), 1.0, 200, 3), "to the bit");
        assert!(w.iter().any(|x| *x != 0.0));
    }

    #[test]
    fn several_labellings_of_the_same_words_train_as_each_alone() {
        let docs = vec![
            doc("路灯 不亮 小区 晚上", "城管"),
            doc("路灯 损坏 道路 黑暗", "城管"),
            doc("停水 自来水 水压 小区", "供水"),
            doc("自来水 浑浊 黄色 水质", "供水"),
            doc("学校 收费 补课 老师", "教育"),
            doc("学位 入学 小学 户口", "教育"),
        ];
        let units: Vec<String> = ["zjj", "zjj", "sw", "sw", "jyj", "sw"].iter().map(|u| u.to_string()).collect();
        let opts = TrainOptions { min_df: 1, ..TrainOptions::default() };
        let by_unit: Vec<(Vec<String>, String)> = docs.iter().zip(&units).map(|((w, _), u)| (w.clone(), u.clone())).collect();
        let (alone_category, alone_unit) = (Classifier::train(&docs, opts), Classifier::train(&by_unit, opts));
        let categories: Vec<String> = docs.iter().map(|(_, l)| l.clone()).collect();
        let mut corpus = Corpus::default();
        for (w, _) in &docs {
            corpus.push(w);
        }
        let each = Classifier::train_each(corpus, &[categories, units], opts);
        assert_eq!(each.len(), 2);
        for (got, alone) in each.iter().zip([&alone_category, &alone_unit]) {
            assert_eq!((&got.labels, &got.vocab.terms, &got.weights, got.trained_on), (&alone.labels, &alone.vocab.terms, &alone.weights, alone.trained_on));
        }
        assert_eq!(each[1].predict(&["自来水", "浑浊"]).map(|p| p.label), Some("sw".to_string()));
    }

    #[test]
    fn learns_labels_and_explains_them() {
        let docs = vec![
            doc("路灯 不亮 小区 晚上", "城管"),
            doc("路灯 损坏 道路 黑暗", "城管"),
            doc("占道 经营 摊贩 路边", "城管"),
            doc("停水 自来水 水压 小区", "供水"),
            doc("自来水 浑浊 黄色 水质", "供水"),
            doc("水管 爆裂 停水 路面", "供水"),
            doc("学校 收费 补课 老师", "教育"),
            doc("学位 入学 小学 户口", "教育"),
        ];
        let c = Classifier::train(&docs, TrainOptions { min_df: 1, ..TrainOptions::default() });
        assert_eq!(c.labels, ["供水", "城管", "教育"]);
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let p = c.predict(&w("小区 停水 三天 自来水")).unwrap();
        assert_eq!(p.label, "供水");
        assert!(p.confidence > 0.5 && p.confidence <= 1.0);
        assert!(p.terms.iter().any(|(t, _)| t == "停水" || t == "自来水"), "{:?}", p.terms);
        assert_eq!(c.predict(&w("路灯 不亮")).unwrap().label, "城管");
        assert_eq!(c.predict(&w("补课 老师")).unwrap().label, "教育");
        assert!(c.predict(&w("完全 陌生 词语")).is_none(), "no known word, no suggestion");
        // It survives a round trip through JSON.
        let back: Classifier = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back.ready().predict(&w("小区 停水")).unwrap().label, "供水");
    }
}
