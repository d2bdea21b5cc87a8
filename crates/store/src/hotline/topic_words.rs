//! The words of the orders that hot topics were clustered from, kept between refreshes: each
//! refresh of a period's topics reads every order of the period and the one before, and
//! segmenting them all again was a quarter of its time (jieba's dictionary and routes). A
//! refresh segments only the orders it has not seen, or whose text has changed since.
//!
//! The words are kept as ids into one vocabulary, for at most [`KEPT_ORDERS`] orders (two busy
//! weeks several times over, some tens of megabytes); a refresh that would keep more first lets
//! go of the orders it did not read.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use sanfu_text::{Corpus, Segmenter};

/// Orders whose words are kept.
const KEPT_ORDERS: usize = 250_000;
/// Distinct words kept before the vocabulary is started afresh.
const KEPT_WORDS: usize = 1_000_000;

#[derive(Default)]
pub(super) struct TopicWords(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    /// The kept orders' distinct words (its documents unused).
    words: Corpus,
    /// Order number → the hash of the text its words were taken from, and the words.
    orders: HashMap<String, (u64, Box<[u32]>)>,
}

pub(super) fn text_hash(text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Each core's distinct words, each stored once: a word repeated in a million orders is not a
/// million strings.
#[derive(Default)]
struct Shared(std::collections::HashSet<Arc<str>>);

impl Shared {
    fn words(&mut self, seg: &Segmenter, text: &str) -> Vec<Arc<str>> {
        seg.words(text)
            .into_iter()
            .map(|w| match self.0.get(w.as_str()) {
                Some(a) => a.clone(),
                None => {
                    let a: Arc<str> = Arc::from(w);
                    self.0.insert(a.clone());
                    a
                }
            })
            .collect()
    }
}

/// The words of `texts`, segmented on every core (`shared[k]` the `k`-th core's words), in order.
fn segment_with(texts: &[&str], seg: &Segmenter, shared: &mut [Shared]) -> Vec<Vec<Arc<str>>> {
    let chunk = texts.len().div_ceil(shared.len().max(1)).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = texts
            .chunks(chunk)
            .zip(shared.iter_mut())
            .map(|(part, words)| s.spawn(move || part.iter().map(|t| words.words(seg, t)).collect::<Vec<_>>()))
            .collect();
        parts.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Segment `texts` on every core, each core's distinct words stored once.
pub(super) fn segment(texts: &[&str], seg: &Segmenter) -> Vec<Vec<Arc<str>>> {
    let mut shared: Vec<Shared> = (0..cores()).map(|_| Shared::default()).collect();
    segment_with(texts, seg, &mut shared)
}

/// The words of `texts` as one corpus (each word an id of 4 bytes, each distinct word stored
/// once), segmented on every core `part` texts at a time, each text let go of once segmented
/// (the words of a hundred thousand orders are not held beside all their texts).
pub(super) fn segment_corpus(texts: Vec<String>, seg: &Segmenter, part: usize) -> Corpus {
    let corpus = Mutex::new(Corpus::default());
    let mut docs = Vec::with_capacity(texts.len());
    let mut rest = texts.into_iter();
    let cores = cores();
    loop {
        let batch: Vec<String> = rest.by_ref().take(part.max(1)).collect();
        if batch.is_empty() {
            break;
        }
        let chunk = batch.len().div_ceil(cores).max(1);
        // Each text segmented without the lock, its words made ids under it.
        let intern = |t: &String| {
            let words = seg.words(t);
            corpus.lock().unwrap_or_else(|e| e.into_inner()).intern(&words)
        };
        std::thread::scope(|s| {
            let parts: Vec<_> = batch.chunks(chunk).map(|part| s.spawn(|| part.iter().map(intern).collect::<Vec<_>>())).collect();
            for h in parts {
                docs.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
        });
    }
    let mut corpus = corpus.into_inner().unwrap_or_else(|e| e.into_inner());
    corpus.docs = docs;
    corpus
}

/// The words of `texts[i]` for each `i` of `which`, segmented on every core, into `docs[i]`.
fn segment_into(docs: &mut [Option<Vec<Arc<str>>>], which: &[usize], texts: &[String], seg: &Segmenter) {
    let refs: Vec<&str> = which.iter().map(|&i| texts[i].as_str()).collect();
    for (&i, words) in which.iter().zip(segment(&refs, seg)) {
        docs[i] = Some(words);
    }
}

impl TopicWords {
    /// The words of each text (`numbers[i]` is the order of `texts[i]`), from what is kept where
    /// the text is unchanged, segmented now otherwise; those segmented now are kept for the next
    /// refresh, unless the refresh has more orders than are kept (a month of a province).
    pub(super) fn words(&self, numbers: &[String], texts: &[String], seg: &Segmenter) -> Vec<Vec<Arc<str>>> {
        let hashes: Vec<u64> = texts.iter().map(|t| text_hash(t)).collect();
        let missing: Vec<usize> = match self.0.lock() {
            Ok(k) => (0..texts.len()).filter(|&i| k.orders.get(&numbers[i]).is_none_or(|(h, _)| *h != hashes[i])).collect(),
            Err(_) => (0..texts.len()).collect(),
        };
        let mut docs: Vec<Option<Vec<Arc<str>>>> = vec![None; texts.len()];
        segment_into(&mut docs, &missing, texts, seg);
        // The others' words as kept (copied out before any are let go of below). A text whose
        // words another refresh let go of between the two looks is segmented with the missing
        // ones' after, outside the lock.
        let mut lost = Vec::new();
        match self.0.lock() {
            Ok(kept) => {
                for (i, doc) in docs.iter_mut().enumerate() {
                    if doc.is_none() {
                        match kept.orders.get(&numbers[i]) {
                            Some((h, ids)) if *h == hashes[i] => *doc = Some(ids.iter().map(|&id| kept.words.words[id as usize].clone()).collect()),
                            _ => lost.push(i),
                        }
                    }
                }
            }
            Err(_) => lost.extend((0..texts.len()).filter(|&i| docs[i].is_none())),
        }
        segment_into(&mut docs, &lost, texts, seg);
        let mut kept = match self.0.lock() {
            Ok(k) => k,
            Err(p) => {
                // A refresh panicked while holding the words: start afresh.
                let mut k = p.into_inner();
                *k = Kept::default();
                k
            }
        };
        let segmented: Vec<usize> = missing.iter().chain(&lost).copied().collect();
        if texts.len() <= KEPT_ORDERS {
            if kept.words.words.len() > KEPT_WORDS {
                *kept = Kept::default();
            }
            if kept.orders.len() + segmented.len() > KEPT_ORDERS {
                let read: std::collections::HashSet<&str> = numbers.iter().map(String::as_str).collect();
                kept.orders.retain(|n, _| read.contains(n.as_str()));
            }
            for &i in &segmented {
                let ids = kept.words.intern(docs[i].as_deref().unwrap_or_default());
                kept.orders.insert(numbers[i].clone(), (hashes[i], ids));
            }
        }
        docs.into_iter().map(Option::unwrap_or_default).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(docs: &[Vec<Arc<str>>]) -> Vec<Vec<String>> {
        docs.iter().map(|d| d.iter().map(|w| w.to_string()).collect()).collect()
    }

    #[test]
    fn kept_words_are_those_of_the_text_as_it_is_now() {
        let seg = Segmenter::new();
        let kept = TopicWords::default();
        let numbers = vec!["20261201000001".to_string(), "20261201000002".to_string()];
        let mut texts = vec!["小区路灯不亮，晚上出行不便".to_string(), "工地夜间施工噪声扰民".to_string()];
        let first = plain(&kept.words(&numbers, &texts, &seg));
        assert_eq!(first, texts.iter().map(|t| seg.words(t)).collect::<Vec<_>>(), "as segmented afresh");
        assert_eq!(plain(&kept.words(&numbers, &texts, &seg)), first, "read again from what was kept");
        texts[1] = "小区门口垃圾无人清运".to_string();
        let changed = plain(&kept.words(&numbers, &texts, &seg));
        assert_eq!(changed[0], first[0]);
        assert_eq!(changed[1], seg.words(&texts[1]), "a changed text is segmented again");
        assert_eq!(kept.0.lock().map(|k| k.orders.len()).unwrap_or(0), 2);
    }

    #[test]
    fn a_refresh_that_starts_the_vocabulary_afresh_still_has_every_orders_words() {
        let seg = Segmenter::new();
        let kept = TopicWords::default();
        let mut numbers = vec!["20261201000001".to_string(), "20261201000002".to_string()];
        let mut texts = vec!["小区路灯不亮，晚上出行不便".to_string(), "工地夜间施工噪声扰民".to_string()];
        kept.words(&numbers, &texts, &seg);
        // The vocabulary has grown past what is kept (words of earlier refreshes' orders).
        if let Ok(mut k) = kept.0.lock() {
            for n in 0..=KEPT_WORDS {
                k.words.intern(&[format!("词{n}")]);
            }
        }
        numbers.push("20261201000003".to_string());
        texts.push("小区门口垃圾无人清运".to_string());
        let docs = plain(&kept.words(&numbers, &texts, &seg));
        assert_eq!(docs, texts.iter().map(|t| seg.words(t)).collect::<Vec<_>>(), "the kept orders' words too, not empty");
        assert_eq!(kept.0.lock().map(|k| (k.orders.len(), k.words.words.len() < 100)).unwrap_or_default(), (1, true), "started afresh with the new order's");
    }

    #[test]
    fn texts_given_up_a_part_at_a_time_are_one_corpus_of_the_segmenters_words() {
        let seg = Segmenter::new();
        let texts: Vec<String> = ["小区门口垃圾无人清运", "小区门口垃圾堆放一周", "工地夜间施工噪声扰民", "小区路灯不亮，晚上出行不便", "工地夜间施工噪声扰民"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        let corpus = segment_corpus(texts.clone(), &seg, 2);
        let words: Vec<Vec<String>> = (0..corpus.docs.len()).map(|d| corpus.words_of(d).iter().map(|w| w.to_string()).collect()).collect();
        assert_eq!(words, texts.iter().map(|t| seg.words(t)).collect::<Vec<_>>(), "each text's words, in order");
        // The third and the fifth are in different parts (and segmented by different cores
        // where there are two): the same words, the same ids.
        assert_eq!(corpus.docs[2], corpus.docs[4]);
        let mut distinct = corpus.words.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), corpus.words.len(), "each word stored once: {:?}", corpus.words);
    }

    #[test]
    fn segmented_words_are_the_segmenters_and_each_word_is_stored_once_per_core() {
        let seg = Segmenter::new();
        let texts = ["小区门口垃圾无人清运", "小区门口垃圾堆放一周", "工地夜间施工噪声扰民"];
        let docs = segment(&texts, &seg);
        assert_eq!(plain(&docs), texts.iter().map(|t| seg.words(t)).collect::<Vec<_>>());
        // A word of the first order that the second has too: within a core's share, one string.
        let shared = docs[0].iter().find(|w| docs[1].contains(w)).expect("a word in both");
        let again = docs[1].iter().find(|w| *w == shared).expect("in the second");
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        if texts.len().div_ceil(cores) >= 2 {
            assert!(Arc::ptr_eq(shared, again));
        }
    }
}
