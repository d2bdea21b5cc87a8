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
        let docs: Vec<&'a [S]> = docs.into_iter().collect();
        Vocabulary::learn_keyed(docs.len(), |d, keys| keys.extend(docs[d].iter().map(|w| word_key(w.as_ref()))), |d, i| docs[d][i].as_ref(), min_df)
    }

    /// [`Vocabulary::learn`] of a corpus's documents.
    pub fn learn_corpus(corpus: &Corpus, min_df: u32) -> Vocabulary {
        let keys = corpus.keys();
        Vocabulary::learn_keyed(corpus.docs.len(), |d, out| corpus.keys_of(d, &keys, out), |d, i| &corpus.words[corpus.docs[d][i] as usize], min_df)
    }

    /// The terms of `n` documents, document `d`'s word keys given by `keys_of(d, into)` and its
    /// `i`-th word by `word(d, i)`. Two passes: the first counts each term's documents by its key
    /// alone (16 bytes a term: a hundred thousand orders have millions of distinct pairs), the
    /// second makes the text of the terms kept where each first occurs.
    fn learn_keyed<'a>(n: usize, keys_of: impl Fn(usize, &mut Vec<u64>), word: impl Fn(usize, usize) -> &'a str, min_df: u32) -> Vocabulary {
        // Per term: documents holding it, and the last document counted (NAMED once its text is made).
        const NAMED: u32 = u32::MAX;
        let mut df: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
        let mut keys: Vec<u64> = Vec::new();
        for d in 0..n {
            keys.clear();
            keys_of(d, &mut keys);
            each_term(&keys, |key, _, _| {
                let e = df.entry(key).or_insert((0, NAMED));
                if e.1 != d as u32 {
                    e.0 += 1;
                    e.1 = d as u32;
                }
            });
        }
        let wanted = df.values().filter(|(c, _)| *c >= min_df).count();
        let mut kept: Vec<(String, u32)> = Vec::with_capacity(wanted);
        for d in 0..n {
            if kept.len() == wanted {
                break;
            }
            keys.clear();
            keys_of(d, &mut keys);
            each_term(&keys, |key, i, pair| {
                if let Some(e) = df.get_mut(&key)
                    && e.0 >= min_df
                    && e.1 != NAMED
                {
                    e.1 = NAMED;
                    let w = word(d, i);
                    kept.push((if pair { format!("{} {w}", word(d, i - 1)) } else { w.to_string() }, e.0));
                }
            });
        }
        drop(df);
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
        self.vector_of_keys(&keys)
    }

    /// [`Vocabulary::vector`] of each of a corpus's documents.
    pub fn vectors(&self, corpus: &Corpus) -> Vec<SparseVec> {
        let words = corpus.keys();
        let mut keys = Vec::new();
        (0..corpus.docs.len())
            .map(|d| {
                keys.clear();
                corpus.keys_of(d, &words, &mut keys);
                self.vector_of_keys(&keys)
            })
            .collect()
    }

    /// The vector of a document given as its words' keys.
    fn vector_of_keys(&self, keys: &[u64]) -> SparseVec {
        let mut ids: Vec<u32> = Vec::with_capacity(keys.len() * 2);
        each_term(keys, |key, _, _| {
            if let Some(&ix) = self.index.get(&key) {
                ids.push(ix);
            }
        });
        counted(ids, |ix| self.idf[ix as usize])
    }
}

/// Each term of a document given as its words' keys, in order: each word's key, then the pair it
/// ends (from its second word on), with the word's place and whether the term is a pair.
fn each_term(keys: &[u64], mut f: impl FnMut(u64, usize, bool)) {
    for (i, &k) in keys.iter().enumerate() {
        f(k, i, false);
        if i > 0 {
            f(pair_key(keys[i - 1], k), i, true);
        }
    }
}

/// Documents' words as ids into one list of the distinct words: 4 bytes a word where a string
/// shared by its occurrences is 16 (a hundred thousand orders are millions of words).
#[derive(Debug, Default)]
pub struct Corpus {
    /// The distinct words, each once.
    pub words: Vec<std::sync::Arc<str>>,
    ids: std::collections::HashMap<std::sync::Arc<str>, u32>,
    /// Each document's words, as indexes into `words`.
    pub docs: Vec<Box<[u32]>>,
}

impl Corpus {
    /// The ids of `words`, each word new to the corpus added to its list.
    pub fn intern<S: AsRef<str>>(&mut self, words: &[S]) -> Box<[u32]> {
        words
            .iter()
            .map(|w| {
                let w = w.as_ref();
                if let Some(&id) = self.ids.get(w) {
                    return id;
                }
                let word: std::sync::Arc<str> = std::sync::Arc::from(w);
                let id = self.words.len() as u32;
                self.words.push(word.clone());
                self.ids.insert(word, id);
                id
            })
            .collect()
    }

    /// Adds a document given as its words.
    pub fn push<S: AsRef<str>>(&mut self, words: &[S]) {
        let ids = self.intern(words);
        self.docs.push(ids);
    }

    /// The words of document `d`.
    pub fn words_of(&self, d: usize) -> Vec<&str> {
        self.docs[d].iter().map(|&w| &*self.words[w as usize]).collect()
    }

    /// Each distinct word's key ([`word_key`]), by id: each word hashed once.
    fn keys(&self) -> Vec<u64> {
        self.words.iter().map(|w| word_key(w)).collect()
    }

    /// Document `d`'s words' keys, from [`Corpus::keys`]'s `words`.
    fn keys_of(&self, d: usize, words: &[u64], into: &mut Vec<u64>) {
        into.extend(self.docs[d].iter().map(|&w| words[w as usize]));
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
