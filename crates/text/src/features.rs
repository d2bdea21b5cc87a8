//! TF-IDF vectors over words and adjacent word pairs: the features the classifier, the
//! near-duplicate finder and the topic clusters share.

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

/// A sparse vector: (feature index, value), sorted by index, L2-normalised.
pub type SparseVec = Vec<(u32, f32)>;

/// Feature names with their inverse document frequencies, learned from a corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vocabulary {
    pub terms: Vec<String>,
    pub idf: Vec<f32>,
    /// Term → index, keyed by a 64-bit hash of the term: a pair's key is made from its two
    /// words' keys, so that vectorising hashes each word once and never builds a pair's text.
    #[serde(skip)]
    index: FxHashMap<u64, u32>,
}

/// The key of a word.
pub fn word_key(w: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(w.as_bytes());
    // FxHash of short strings is weak in its low bits: mix (splitmix64's finaliser).
    let mut z = h.finish() ^ (w.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of a pair of words, from theirs.
pub fn pair_key(a: u64, b: u64) -> u64 {
    (a.rotate_left(23) ^ b).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D
}

fn term_key(t: &str) -> u64 {
    match t.split_once(' ') {
        Some((a, b)) => pair_key(word_key(a), word_key(b)),
        None => word_key(t),
    }
}

impl Vocabulary {
    /// Learns the terms (words, and pairs of adjacent words such as "路灯 不亮") that occur in at
    /// least `min_df` documents, with smoothed IDF (ln((1+n)/(1+df)) + 1, as scikit-learn
    /// computes it).
    ///
    /// Terms are counted by their keys ([`word_key`], [`pair_key`]), as [`Vocabulary::vector`]
    /// finds them; only the terms kept get their text made (a busy city's week is millions of
    /// term occurrences, and most pairs occur once).
    pub fn learn<'a, S: AsRef<str> + 'a>(docs: impl IntoIterator<Item = &'a [S]>, min_df: u32) -> Vocabulary {
        let docs: Vec<&[S]> = docs.into_iter().collect();
        // Per term: documents holding it, the last document counted, and where it first occurs.
        let mut df: FxHashMap<u64, (u32, u32, (u32, u32, bool))> = FxHashMap::default();
        let n = docs.len() as u32;
        let mut keys: Vec<u64> = Vec::new();
        for (d, words) in docs.iter().enumerate() {
            let d = d as u32;
            keys.clear();
            keys.extend(words.iter().map(|w| word_key(w.as_ref())));
            for (i, &k) in keys.iter().enumerate() {
                let mut count = |key: u64, pair: bool| {
                    let e = df.entry(key).or_insert((0, u32::MAX, (d, i as u32, pair)));
                    if e.1 != d {
                        e.0 += 1;
                        e.1 = d;
                    }
                };
                count(k, false);
                if i > 0 {
                    count(pair_key(keys[i - 1], k), true);
                }
            }
        }
        let mut kept: Vec<(String, u32)> = df
            .into_values()
            .filter(|(c, _, _)| *c >= min_df)
            .map(|(c, _, (d, i, pair))| {
                let words = docs[d as usize];
                let w = words[i as usize].as_ref();
                let text = if pair { format!("{} {w}", words[i as usize - 1].as_ref()) } else { w.to_string() };
                (text, c)
            })
            .collect();
        kept.sort_unstable();
        let idf = kept.iter().map(|(_, d)| ((1.0 + n as f32) / (1.0 + *d as f32)).ln() + 1.0).collect();
        let terms: Vec<String> = kept.into_iter().map(|(t, _)| t).collect();
        let mut v = Vocabulary { terms, idf, index: FxHashMap::default() };
        v.reindex();
        v
    }

    /// Rebuilds the lookup table after deserialising.
    pub fn reindex(&mut self) {
        self.index = self.terms.iter().enumerate().map(|(i, t)| (term_key(t), i as u32)).collect();
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn get(&self, term: &str) -> Option<u32> {
        self.index.get(&term_key(term)).copied()
    }

    /// The TF-IDF vector of a document's words: sublinear term frequency (1 + ln tf) times IDF,
    /// L2-normalised. Terms not in the vocabulary are ignored.
    pub fn vector<S: AsRef<str>>(&self, words: &[S]) -> SparseVec {
        let keys: Vec<u64> = words.iter().map(|w| word_key(w.as_ref())).collect();
        let mut ids: Vec<u32> = Vec::with_capacity(keys.len() * 2);
        for (i, k) in keys.iter().enumerate() {
            if let Some(&ix) = self.index.get(k) {
                ids.push(ix);
            }
            if i > 0 && let Some(&ix) = self.index.get(&pair_key(keys[i - 1], *k)) {
                ids.push(ix);
            }
        }
        counted(ids, |ix| self.idf[ix as usize])
    }
}

/// The vector of a bag of feature ids: each id once, at (1 + ln count) × its weight, sorted
/// and L2-normalised.
pub fn counted(mut ids: Vec<u32>, weight: impl Fn(u32) -> f32) -> SparseVec {
    ids.sort_unstable();
    let mut v: SparseVec = Vec::with_capacity(ids.len());
    for ix in ids {
        match v.last_mut() {
            Some((last, tf)) if *last == ix => *tf += 1.0,
            _ => v.push((ix, 1.0)),
        }
    }
    for (ix, tf) in v.iter_mut() {
        *tf = (1.0 + tf.ln()) * weight(*ix);
    }
    normalize(&mut v);
    v
}

pub fn normalize(v: &mut SparseVec) {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in v.iter_mut() {
            *x /= norm;
        }
    }
}

/// The dot product of two sorted sparse vectors: their cosine when both are normalised.
pub fn cosine(a: &SparseVec, b: &SparseVec) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn vectors_weigh_rare_terms_and_are_normalised() {
        let docs = [w("路灯 不亮 小区"), w("路灯 不亮 道路"), w("噪声 扰民 小区"), w("噪声 施工 夜间")];
        let v = Vocabulary::learn(docs.iter().map(|d| d.as_slice()), 1);
        assert!(v.get("路灯 不亮").is_some() && v.get("小区 路灯").is_none());
        let x = v.vector(&w("路灯 不亮 夜间 未知词"));
        let norm: f32 = x.iter().map(|(_, a)| a * a).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let weight = |t: &str| x.iter().find(|(i, _)| *i == v.get(t).unwrap()).unwrap().1;
        assert!(weight("夜间") > weight("路灯"), "a term in one document outweighs one in two");
        assert!(cosine(&x, &v.vector(&w("路灯 不亮"))) > cosine(&x, &v.vector(&w("噪声 扰民"))));
    }

    #[test]
    fn a_term_counts_once_per_document_and_rarer_ones_are_left_out() {
        let docs = [w("路灯 不亮 路灯 不亮"), w("路灯 不亮"), w("噪声 扰民")];
        let v = Vocabulary::learn(docs.iter().map(|d| d.as_slice()), 2);
        assert_eq!(v.terms, ["不亮", "路灯", "路灯 不亮"], "不亮 路灯 and the third document's terms are in one document only");
        let idf = (4.0f32 / 3.0).ln() + 1.0;
        assert!(v.idf.iter().all(|x| (x - idf).abs() < 1e-6), "each in two of three documents: {:?}", v.idf);
    }
}
