//! The kinds of work Sanfu ships with. A new kind adds its line here (and its folders in the
//! domain, the store and the web layer); the kernel does not change.

use std::collections::BTreeMap;
use std::sync::Arc;

use sanfu_domain::hotline::Hotline;
use sanfu_domain::kernel::KindSpec;

pub(crate) fn builtin() -> BTreeMap<&'static str, Arc<KindSpec>> {
    [KindSpec::of::<Hotline>()].into_iter().map(|k| (k.name, Arc::new(k))).collect()
}
