//! Hot topics (热点): clusters of orders about the same thing, with a label of their key terms
//! and the places they name. Single-pass clustering on TF-IDF vectors: each text joins the
//! closest cluster whose centre it is close enough to (found through the centres' main terms),
//! or starts a new one.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::features::{SparseVec, Vocabulary, cosine, normalize};

#[derive(Debug, Clone)]
pub struct Cluster {
    /// Indexes of the texts, in the order given.
    pub members: Vec<usize>,
    /// The key terms, most characteristic first.
    pub label: Vec<String>,
    /// Place names the texts mention, most often first.
    pub places: Vec<(String, usize)>,
}

/// How close a text must be to a cluster's centre to join it.
pub const JOIN_SIMILARITY: f32 = 0.25;
/// Words that say how much or how often, not what: left out of labels.
const LABEL_FILLER: &[&str] = &[
    "一两个", "东西", "几家", "一片", "频繁", "严重", "经常", "长期", "一直", "多次", "多年", "很多", "许多", "一些", "有些",
    "出事", "发生", "出现", "存在", "导致", "造成", "影响", "相关", "有关", "情况", "事情", "时候", "今年", "去年", "每天",
    "晚上", "白天", "附近", "周边", "旁边", "门口", "这里", "那里", "本人", "居民", "群众", "业主", "老百姓", "市民", "尽快",
    // The formulae and connectives of a letter, which say nothing of what it is about.
    "只是", "特此", "每次", "还是", "可是", "而且", "并且", "然而", "因此", "为此", "同时", "此外", "另外", "非常", "特别",
    "十分", "比较", "总是", "根本", "仍然", "依然", "始终", "如今", "当时", "真的", "实在", "这样", "那样", "一次", "每年",
    "每月", "恳请", "请求", "要求", "麻烦", "希望", "来电", "来电人", "诉求", "投诉", "举报", "反映", "咨询", "解决", "处理",
    "我们", "他们", "大家", "一下", "已经", "目前", "现在", "听说", "据说", "所谓", "不能", "无法", "没有", "不会", "可能",
    "哪些", "一步", "下一步", "小时", "彻底", "不见", "建议", "怎么办", "为何", "一样", "起来", "出来", "之后", "以后", "以前",
    "及时", "作为", "任何", "不断", "反复", "有人", "所有", "一般", "这种", "那种", "怎样", "是否", "能否", "如何", "为了",
];

/// How close two clusters' centres must be to merge them.
pub const MERGE_SIMILARITY: f32 = 0.5;
/// Terms of a centre compared and indexed.
const CENTRE_TERMS: usize = 40;

const PLACE_SUFFIXES: &[&str] = &[
    "小区", "花园", "新城", "新村", "家园", "公寓", "大厦", "广场", "市场", "街道", "社区", "苑", "园", "城", "村", "镇", "乡",
    "路", "街", "大道", "区", "县", "学校", "中学", "小学", "医院", "公司", "集团", "站", "桥",
];

/// Whether a word names a place (幸福小区, 和平路, 丽发新城): a suffix of places after at least
/// one more character.
pub fn is_place(word: &str) -> bool {
    let n = word.chars().count();
    n >= 3 && !GENERIC_PLACES.contains(&word) && PLACE_SUFFIXES.iter().any(|s| word.ends_with(s) && n > s.chars().count())
}

/// How many texts name each place (a text naming it twice counts once).
#[derive(Debug, Default)]
pub struct PlaceCounts(FxHashMap<String, usize>);

impl PlaceCounts {
    /// One more text, given as its words.
    pub fn add<S: AsRef<str>>(&mut self, words: &[S]) {
        let named: FxHashSet<&str> = words.iter().map(AsRef::as_ref).filter(|w| is_place(w)).collect();
        for w in named {
            match self.0.get_mut(w) {
                Some(n) => *n += 1,
                None => {
                    self.0.insert(w.to_string(), 1);
                }
            }
        }
    }

    /// The `k` places most texts name, with their counts (ties by name).
    pub fn top(self, k: usize) -> Vec<(String, usize)> {
        let mut places: Vec<(String, usize)> = self.0.into_iter().collect();
        places.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        places.truncate(k);
        places
    }
}

/// Words shaped like places that name none in particular.
const GENERIC_PLACES: &[&str] = &[
    "有限公司", "居民区", "住宅区", "居住区", "生活区", "开发区", "风景区", "商业区", "城区", "市区", "郊区", "小区", "社区",
    "搅拌站", "地铁站", "变电站", "加油站", "公交站", "火车站", "高速公路", "快速路", "主干道", "马路", "公路", "道路",
    "电力公司", "物业公司", "开发商", "房地产公司", "公司", "集团", "学校", "医院", "幼儿园", "农村", "乡村", "城乡",
];

fn top(v: &FxHashMap<u32, f32>, k: usize) -> SparseVec {
    let mut t: SparseVec = v.iter().map(|(i, x)| (*i, *x)).collect();
    t.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
    t.truncate(k);
    t.sort_unstable_by_key(|(i, _)| *i);
    normalize(&mut t);
    t
}

/// The terms of a normalised vector that any vector at cosine `threshold` or more from it must
/// share with it: the heaviest first, until what is left weighs less than `threshold` (what is
/// left cannot reach the threshold on its own, whatever the other vector).
fn probe_terms(x: &SparseVec, threshold: f32) -> Vec<u32> {
    let mut by_weight: Vec<(u32, f32)> = x.clone();
    by_weight.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
    let mut rest: f32 = by_weight.iter().map(|(_, w)| w * w).sum();
    let mut out = Vec::new();
    for (t, w) in by_weight {
        if rest < threshold * threshold {
            break;
        }
        out.push(t);
        rest -= w * w;
    }
    out
}

/// The dot product of a vector spread over the vocabulary with a sparse one: [`cosine`]'s sum,
/// its products taken and added in the same order.
fn dot_dense(dense: &[f32], v: &SparseVec) -> f32 {
    v.iter().fold(0.0f32, |s, &(t, w)| s + dense[t as usize] * w)
}

/// Clusters texts given as their words. Clusters of one text are left out.
pub fn cluster<S: AsRef<str>>(docs: &[Vec<S>], threshold: f32) -> Vec<Cluster> {
    topics(docs, threshold).clusters
}

/// The clusters of some texts, kept with what places a further text in one of them: a period
/// too large to hold at once is clustered from a sample, and then every one of its texts is
/// placed in the topic it is closest to, a batch at a time ([`Topics::place`]).
pub struct Topics {
    /// As [`cluster`] gives them.
    pub clusters: Vec<Cluster>,
    vocab: Vocabulary,
    /// Each cluster's centre: the heaviest terms of the sum of its texts' vectors.
    centres: Vec<SparseVec>,
    /// Term → the clusters whose centre holds it.
    by_term: FxHashMap<u32, Vec<usize>>,
    threshold: f32,
}

impl Topics {
    /// The cluster (an index into [`Topics::clusters`]) whose centre a text given as its words
    /// is closest to, if at least as close as the clustering's threshold. Words the clustered
    /// texts did not have weigh nothing.
    pub fn place<S: AsRef<str>>(&self, words: &[S]) -> Option<usize> {
        let x = self.vocab.vector(words);
        let mut best: Option<(usize, f32)> = None;
        let mut seen = FxHashSet::default();
        for term in probe_terms(&x, self.threshold) {
            for &c in self.by_term.get(&term).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(c) {
                    let s = cosine(&x, &self.centres[c]);
                    if s >= self.threshold && best.is_none_or(|(b, bs)| s > bs || (s == bs && c < b)) {
                        best = Some((c, s));
                    }
                }
            }
        }
        best.map(|(c, _)| c)
    }
}

/// [`cluster`], keeping what places further texts.
///
/// Each text is compared only with the centres that hold one of its heavier terms
/// ([`probe_terms`]: exact, no centre that could reach the threshold is skipped), and a large
/// cluster's centre is recomputed each time it has grown by an eighth rather than at every
/// text, so that a busy city's week (50,000 orders) clusters in about a second.
pub fn topics<S: AsRef<str>>(docs: &[Vec<S>], threshold: f32) -> Topics {
    let vocab = Vocabulary::learn(docs.iter().map(|d| d.as_slice()), 2);
    let xs: Vec<SparseVec> = docs.iter().map(|d| vocab.vector(d)).collect();
    let mut sums: Vec<FxHashMap<u32, f32>> = Vec::new();
    let mut centres: Vec<SparseVec> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    // The size of each cluster when its centre was last computed.
    let mut centred_at: Vec<usize> = Vec::new();
    let mut postings: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    // The text being placed, spread over the whole vocabulary (zero elsewhere), so that its
    // cosine with a centre is a lookup per centre term rather than a merge of two lists: the
    // same products added in the same order (a term missing from the text adds zero), so the
    // same sums to the bit. And the text each cluster was last compared with.
    let mut dense = vec![0.0f32; vocab.len()];
    let mut compared_with: Vec<usize> = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        if x.is_empty() {
            continue;
        }
        for &(t, w) in x {
            dense[t as usize] = w;
        }
        let mut best: Option<(usize, f32)> = None;
        for term in probe_terms(x, threshold) {
            for &c in postings.get(&term).map(Vec::as_slice).unwrap_or(&[]) {
                if compared_with[c] != i {
                    compared_with[c] = i;
                    let s = dot_dense(&dense, &centres[c]);
                    if s >= threshold && best.is_none_or(|(_, b)| s > b) {
                        best = Some((c, s));
                    }
                }
            }
        }
        for &(t, _) in x {
            dense[t as usize] = 0.0;
        }
        let c = match best {
            Some((c, _)) => c,
            None => {
                sums.push(FxHashMap::default());
                centres.push(Vec::new());
                members.push(Vec::new());
                centred_at.push(0);
                compared_with.push(usize::MAX);
                sums.len() - 1
            }
        };
        for &(t, w) in x {
            *sums[c].entry(t).or_default() += w;
        }
        members[c].push(i);
        let n = members[c].len();
        if n <= 8 || n >= centred_at[c] + centred_at[c] / 8 {
            centred_at[c] = n;
            let old: FxHashSet<u32> = centres[c].iter().map(|(t, _)| *t).collect();
            centres[c] = top(&sums[c], CENTRE_TERMS);
            for (t, _) in &centres[c] {
                if !old.contains(t) {
                    postings.entry(*t).or_default().push(c);
                }
            }
        }
    }
    for c in 0..centres.len() {
        if centred_at[c] != members[c].len() {
            centres[c] = top(&sums[c], CENTRE_TERMS);
        }
    }
    // A single pass can split a topic whose wording drifted; clusters whose centres have come
    // close are merged, the smaller into the larger. Candidates through the centres' terms, as
    // above; a centre that grew by a merge is probed again.
    let mut order: Vec<usize> = (0..members.len()).filter(|&c| members[c].len() > 1).collect();
    order.sort_by(|&a, &b| members[b].len().cmp(&members[a].len()).then(a.cmp(&b)));
    // Each cluster's place in that order (those of one text are never merged, and have none).
    let mut rank = vec![usize::MAX; members.len()];
    for (k, &c) in order.iter().enumerate() {
        rank[c] = k;
    }
    let mut by_term: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for &c in &order {
        for (t, _) in &centres[c] {
            by_term.entry(*t).or_default().push(c);
        }
    }
    let mut merged_into: Vec<Option<usize>> = vec![None; members.len()];
    for (k, &big) in order.iter().enumerate() {
        if merged_into[big].is_some() {
            continue;
        }
        let mut checked = FxHashSet::default();
        loop {
            let mut candidates: Vec<usize> = Vec::new();
            for term in probe_terms(&centres[big], MERGE_SIMILARITY) {
                for &small in by_term.get(&term).map(Vec::as_slice).unwrap_or(&[]) {
                    if rank[small] > k && merged_into[small].is_none() && checked.insert(small) {
                        candidates.push(small);
                    }
                }
            }
            // The smaller clusters in the order a full scan meets them.
            candidates.sort_by_key(|&c| rank[c]);
            let mut grew = false;
            for small in candidates {
                if cosine(&centres[big], &centres[small]) >= MERGE_SIMILARITY {
                    merged_into[small] = Some(big);
                    let moved = std::mem::take(&mut members[small]);
                    members[big].extend(moved);
                    let add = std::mem::take(&mut sums[small]);
                    for (t, w) in add {
                        *sums[big].entry(t).or_default() += w;
                    }
                    centres[big] = top(&sums[big], CENTRE_TERMS);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
            // Those checked against the centre as it was may be close to it now (the merged
            // ones are passed over above).
            checked.clear();
        }
        members[big].sort_unstable();
    }
    let mut out: Vec<(Cluster, SparseVec)> = members
        .into_iter()
        .zip(sums)
        .filter(|(m, _)| m.len() > 1)
        .map(|(m, sum)| {
            let label = label(&vocab, &sum, m.len());
            let mut places = PlaceCounts::default();
            for &i in &m {
                places.add(&docs[i]);
            }
            (Cluster { members: m, label, places: places.top(3) }, top(&sum, CENTRE_TERMS))
        })
        .collect();
    out.sort_by_key(|(c, _)| std::cmp::Reverse(c.members.len()));
    let (clusters, centres): (Vec<Cluster>, Vec<SparseVec>) = out.into_iter().unzip();
    let mut by_term: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (c, centre) in centres.iter().enumerate() {
        for (t, _) in centre {
            by_term.entry(*t).or_default().push(c);
        }
    }
    Topics { clusters, vocab, centres, by_term, threshold }
}

/// Up to four terms that say what a cluster is about: those with the most weight across its
/// texts, a word left out when a chosen pair already holds it.
fn label(vocab: &Vocabulary, sum: &FxHashMap<u32, f32>, _n: usize) -> Vec<String> {
    // Whole words: pairs of words glued together read badly as a label.
    let mut terms: Vec<(&str, f32)> =
        sum.iter()
            .map(|(i, w)| (vocab.terms[*i as usize].as_str(), *w))
            .filter(|(t, _)| !t.contains(' ') && t.chars().count() >= 2 && !LABEL_FILLER.contains(t))
            .collect();
    terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut out: Vec<String> = Vec::new();
    for (t, _) in terms {
        if out.len() == 4 {
            break;
        }
        let words: Vec<&str> = t.split(' ').collect();
        if words.iter().all(|w| out.iter().any(|o| o.split(' ').any(|x| x == *w))) {
            continue;
        }
        if words.len() == 1 && out.iter().any(|o| o.split(' ').any(|x| x == t)) {
            continue;
        }
        out.push(t.to_string());
    }
    out.into_iter().map(|t| t.replace(' ', "")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn labels_leave_out_the_words_of_a_letter() {
        let docs = vec![
            w("只是 特此 每次 地下室 积水 严重"),
            w("特此 地下室 积水 每次 下雨"),
            w("只是 地下室 积水 排水泵"),
        ];
        let c = cluster(&docs, JOIN_SIMILARITY);
        assert_eq!(c.len(), 1, "{c:?}");
        for filler in ["只是", "特此", "每次", "严重"] {
            assert!(!c[0].label.iter().any(|t| t == filler), "{filler} in {:?}", c[0].label);
        }
        assert!(c[0].label.iter().any(|t| t == "地下室" || t == "积水"), "{:?}", c[0].label);
    }

    #[test]
    fn a_vector_close_enough_always_shares_a_probe_term() {
        // Pseudo-random sparse unit vectors over a small vocabulary (so that many pairs are
        // close): whenever two reach the threshold, one of the first's probe terms is in the
        // second. A probe that dropped a needed term would fail here.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut vectors: Vec<SparseVec> = Vec::new();
        for _ in 0..400 {
            let mut v: FxHashMap<u32, f32> = FxHashMap::default();
            for _ in 0..(2 + next() % 12) {
                *v.entry((next() % 30) as u32).or_default() += 0.05 + (next() % 1000) as f32 / 1000.0;
            }
            let mut v: SparseVec = v.into_iter().collect();
            v.sort_unstable_by_key(|(t, _)| *t);
            normalize(&mut v);
            vectors.push(v);
        }
        let mut close = 0;
        for x in &vectors {
            let probe = probe_terms(x, JOIN_SIMILARITY);
            assert!(probe.len() <= x.len());
            for y in &vectors {
                if cosine(x, y) >= JOIN_SIMILARITY {
                    close += 1;
                    assert!(probe.iter().any(|t| y.iter().any(|(u, _)| u == t)), "{x:?} {y:?} {probe:?}");
                }
            }
        }
        assert!(close > 1_000, "too few close pairs to test: {close}");
        // The clustering's dot product with a text spread over the vocabulary is the cosine to
        // the bit, close or not.
        let mut dense = vec![0.0f32; 30];
        for x in &vectors {
            for &(t, w) in x {
                dense[t as usize] = w;
            }
            for y in &vectors {
                assert_eq!(dot_dense(&dense, y).to_bits(), cosine(x, y).to_bits(), "{x:?} {y:?}");
            }
            dense.fill(0.0);
        }
        // And the probe leaves terms out: it is a pruning, not the whole vector.
        let left_out: usize = vectors.iter().map(|x| x.len() - probe_terms(x, JOIN_SIMILARITY).len()).sum();
        assert!(left_out > 0);
    }

    #[test]
    fn texts_are_placed_in_the_topic_they_are_about() {
        let docs = vec![
            w("丽发新城 搅拌站 噪音 扰民 夜间"),
            w("丽发新城 附近 搅拌站 噪音 严重"),
            w("人才 购房 补贴 申请 咨询"),
            w("人才 新政 购房 补贴 发放"),
            w("公交 线路 调整 建议"),
        ];
        let t = topics(&docs, JOIN_SIMILARITY);
        assert_eq!(t.clusters.len(), 2, "{:?}", t.clusters);
        // The clustered texts go back to their own topics.
        for (c, cluster) in t.clusters.iter().enumerate() {
            for &i in &cluster.members {
                assert_eq!(t.place(&docs[i]), Some(c), "{:?}", docs[i]);
            }
        }
        let noise = t.clusters.iter().position(|c| c.members.contains(&0)).unwrap();
        let subsidy = 1 - noise;
        // Texts not clustered are placed by their known words; unknown words weigh nothing.
        assert_eq!(t.place(&w("搅拌站 噪音 凌晨 施工")), Some(noise));
        assert_eq!(t.place(&w("购房 补贴 迟迟 未到账")), Some(subsidy));
        assert_eq!(t.place(&w("公交 线路 调整")), None, "a text of no topic (its lone text made none)");
        assert_eq!(t.place(&w("暖气 不热")), None);
        assert_eq!(t.place(&Vec::<String>::new()), None);
    }

    #[test]
    fn similar_texts_cluster_under_their_key_terms() {
        let docs = vec![
            w("丽发新城 搅拌站 噪音 扰民 夜间"),
            w("丽发新城 附近 搅拌站 噪音 严重"),
            w("投诉 丽发新城 搅拌站 噪音 灰尘"),
            w("人才 购房 补贴 申请 咨询"),
            w("人才 新政 购房 补贴 发放"),
            w("公交 线路 调整 建议"),
        ];
        let c = cluster(&docs, JOIN_SIMILARITY);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].members, [0, 1, 2]);
        assert!(c[0].label.iter().any(|t| t.contains("搅拌站")), "{:?}", c[0].label);
        assert_eq!(c[0].places[0], ("丽发新城".to_string(), 3));
        assert_eq!(c[1].members, [3, 4]);
        assert!(is_place("幸福小区") && is_place("和平路") && !is_place("小区") && !is_place("噪音"));
    }
}
