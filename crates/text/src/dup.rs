//! Near-duplicate text: the same complaint written again, by the same caller or a neighbour,
//! in other words. Texts are compared by their characters and character pairs (so that a different
//! segmentation, a typo or a reordered sentence changes little), weighted by 1 + ln(count) and
//! normalised, by cosine.

use std::hash::{Hash, Hasher};

use crate::features::{SparseVec, counted};

fn is_text_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The vector of a text's characters and character pairs.
pub fn fingerprint(text: &str) -> SparseVec {
    let chars: Vec<char> = crate::segment::normalize(text).chars().filter(|c| is_text_char(*c)).collect();
    let hash = |w: &[char]| {
        let mut h = rustc_hash::FxHasher::default();
        w.hash(&mut h);
        h.finish() as u32
    };
    counted(chars.windows(1).map(hash).chain(chars.windows(2).map(hash)).collect(), |_| 1.0)
}

/// How alike two texts are, 0..1.
pub fn similarity(a: &str, b: &str) -> f32 {
    crate::features::cosine(&fingerprint(a), &fingerprint(b))
}

/// Texts at least this alike are shown to the operator as possible duplicates. On the Teddy
/// Cup messages (`sanfu eval duplicates`) it finds 92% of the pairs posted twice; what it finds
/// besides is mostly the same text reposted under another title. A person decides, among
/// recent open orders only: recall matters more here than precision.
pub const DUPLICATE_SIMILARITY: f32 = 0.5;

/// A near-copy: the subject or the text copied (at least this alike) …
pub const COPY_SIMILARITY: f32 = 0.95;

/// … and the whole, subject and text together, at least half as alike: a repost, a second
/// submission of the same letter, the same call written down twice. Chosen on one half of the
/// Teddy Cup messages and measured on the other (`sanfu eval duplicates`, BENCHMARKS.md):
/// precision 0.66 at recall 0.96 against the pairs posted twice.
pub fn likely_duplicate(subject_a: &str, text_a: &str, subject_b: &str, text_b: &str) -> bool {
    likely_duplicate_given(similarity(text_a, text_b), subject_a, text_a, subject_b, text_b)
}

/// [`likely_duplicate`] when the texts' similarity is already known (the look-alike search
/// has it): the subjects are compared, and the wholes only when one of the two was copied.
pub fn likely_duplicate_given(text_similarity: f32, subject_a: &str, text_a: &str, subject_b: &str, text_b: &str) -> bool {
    let subjects = if subject_a.trim().is_empty() || subject_b.trim().is_empty() { 0.0 } else { similarity(subject_a, subject_b) };
    text_similarity.max(subjects) >= COPY_SIMILARITY
        && similarity(&format!("{subject_a}\n{text_a}"), &format!("{subject_b}\n{text_b}")) >= COPY_SIMILARITY / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_complaint_reworded_is_alike_and_another_is_not() {
        let a = "幸福小区3栋门口的路灯坏了一个星期，晚上一片漆黑，请尽快修理。";
        let b = "幸福小区三栋门口路灯坏了快一周了，晚上漆黑一片，希望尽快修好！";
        let c = "和平路菜市场旁边的工地每天夜里施工，噪声很大，影响休息。";
        assert!(similarity(a, b) >= DUPLICATE_SIMILARITY, "{}", similarity(a, b));
        assert!(similarity(a, c) < 0.2, "{}", similarity(a, c));
        assert!((similarity(a, a) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_repost_is_a_likely_duplicate_and_a_rewording_only_alike() {
        let text = "星沙一桥从早堵到晚，车走不动人也走不动，早晚高峰过桥要四十分钟。去年政府答复说下半年会动工加宽，\
                    现在今年的下半年都到了，还不见动静，桥两头的路口也没有交警疏导，学生上学经常迟到，恳请尽快落实加宽工程。";
        let body = format!("尊敬的领导：您好！{text}");
        let repost = format!("您好！{text}");
        assert!(likely_duplicate("星沙一桥从早堵到晚", &body, "星沙一桥从早堵到晚不见整改", &repost));
        let a = "幸福小区3栋门口的路灯坏了一个星期，晚上一片漆黑，请尽快修理。";
        let b = "幸福小区三栋门口路灯坏了快一周了，晚上漆黑一片，希望尽快修好！";
        assert!(!likely_duplicate("路灯坏了", a, "路灯不亮", b), "alike, shown, but not a copy");
    }
}
