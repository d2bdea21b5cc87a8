//! The demo city's meetings (filled in below).

use crate::db::{Store, StoreError};

impl Store {
    #[allow(dead_code)]
    pub(crate) async fn seed_meetings(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
