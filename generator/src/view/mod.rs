//! View-models: everything the templates print, computed here so that the
//! templates only arrange it. One module per kind of output, each turning
//! a piece of the IR into the names, literals and expressions its template
//! writes, over `common`, the rules they share.

mod collection;
mod common;
mod draft;
mod entity;
mod field;
mod projection;
mod query;
mod table;
mod types;
mod update;

pub use collection::{collection_prefix, collection_view, CollectionView};
pub use common::RT;
pub use draft::{draft_view, DraftView};
pub use entity::{entity_view, EntityView};
// Matched on by the templates.
pub use projection::{index_projection_view, named_projection_views, ProjectionTypeView};
pub use query::{KeyStep, SortLayoutView};
pub use table::{table_view, ProjectionView, TableView};
pub use types::{enum_view, struct_view, EnumView, StructView};
pub use update::{update_view, UpdateView};
