//! Chinese text for Sanfu, all offline and inside the binary: segmentation with the city's own
//! dictionary, TF-IDF features, the dispatch classifier, near-duplicates and topics.

pub mod classify;
pub mod dup;
pub mod features;
pub mod segment;
pub mod topics;

pub use classify::{Classifier, Prediction, TrainOptions};
pub use features::{Corpus, SparseVec, Vocabulary, cosine};
pub use segment::Segmenter;
