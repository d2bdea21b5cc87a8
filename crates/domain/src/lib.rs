//! Sanfu's kernel: the types every kind of work shares, and the state machine of each kind.
//!
//! Every module of the product moves a piece of work between units under a deadline. The
//! parts that are the same for all of them live here once — units and roles ([`org`]), who is
//! acting ([`actor`]), time limits ([`limits`]), input checks ([`validate`]), the error a rule
//! gives ([`DomainError`]) — and each kind of work declares its states and transitions in a
//! file of its own ([`work_order`] is the first). Nothing here does I/O: a transition is a pure
//! function from (current snapshot, actor, action, now, calendar) to (new snapshot, event), so
//! the rules can be read and tested on their own and the store only persists what they decide.

pub mod actor;
pub mod error;
pub mod hotline;
pub mod info;
pub mod instruction;
pub mod kernel;
pub mod limits;
pub mod document;
pub mod meeting;
pub mod org;
pub mod party;
pub mod privacy;
pub mod supervision;
#[cfg(test)]
mod testing;
pub mod validate;

pub use actor::{Actor, Principal, Staff};
pub use error::{DomainError, ErrorKind};
pub use org::{Role, UnitKind};
