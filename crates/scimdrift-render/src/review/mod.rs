//! The compliance access review: every embed user with their groups, the
//! rules that applied to them, their findings and the exceptions that excused
//! them, plus an evidence block (when, from where, hashes, tool version).
//!
//! [`build`] derives a [`Review`] from a snapshot, the report the engine made
//! of it, and the engine's decision of which embed-user rules apply to whom;
//! [`render_csv`], [`render_markdown`], [`render_json`] and [`render_html`]
//! print it. The HTML page is self-contained: inline CSS and inline SVG
//! charts, no script, no network fetch.
//!
//! - `model`: the review itself ([`Review`] and its parts), as its JSON is.
//! - `build`: what [`build`] takes ([`ReviewDeclaration`], [`ReviewFilter`])
//!   and how it derives the review.
//! - `json`, `csv`, `markdown`, `html`: one renderer each; `svg` draws the
//!   HTML page's charts and `review.css` is its style sheet.

mod build;
mod csv;
mod html;
mod json;
mod markdown;
mod model;
mod svg;

pub use build::{ReviewDeclaration, ReviewError, ReviewFilter, ReviewTimeBound, build};
pub use csv::render_csv;
pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;
pub use model::{
    Evidence, Review, ReviewFinding, ReviewSummary, ReviewedUser, TimeBoundMembership,
};

/// The `schema` value of a review's JSON.
pub const REVIEW_SCHEMA: &str = "scimdrift.review/v1";
