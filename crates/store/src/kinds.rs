//! The kinds of work Sanfu ships with. A new kind adds its line here (and its folders in the
//! domain, the store and the web layer); the kernel does not change.

use std::sync::Arc;

use sanfu_domain::document::incoming::Incoming;
use sanfu_domain::document::outgoing::Outgoing;
use sanfu_domain::hotline::Hotline;
use sanfu_domain::info::bulletin::Bulletin;
use sanfu_domain::info::item::InfoItem;
use sanfu_domain::info::request::InfoRequest;
use sanfu_domain::party::project::Project;
use sanfu_domain::party::rectification::Rectification;
use sanfu_domain::instruction::Instruction;
use sanfu_domain::kernel::KindSpec;
use sanfu_domain::meeting::session::Meeting;
use sanfu_domain::meeting::topic::Topic;
use sanfu_domain::supervision::Supervision;

/// The hotline first: the desk shows its queues first.
pub(crate) fn builtin() -> Vec<Arc<KindSpec>> {
    vec![
        Arc::new(KindSpec::of::<Hotline>()),
        Arc::new(KindSpec::of::<Supervision>()),
        Arc::new(KindSpec::of::<Instruction>()),
        Arc::new(KindSpec::of::<Topic>()),
        Arc::new(KindSpec::of::<Meeting>()),
        Arc::new(KindSpec::of::<Incoming>()),
        Arc::new(KindSpec::of::<Outgoing>()),
        Arc::new(KindSpec::of::<InfoItem>()),
        Arc::new(KindSpec::of::<Bulletin>()),
        Arc::new(KindSpec::of::<InfoRequest>()),
        Arc::new(KindSpec::of::<Rectification>()),
        Arc::new(KindSpec::of::<Project>()),
    ]
}
