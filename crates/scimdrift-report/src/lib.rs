//! Renderers: each turns a [`scimdrift_reconcile::Report`] into one output
//! format. Pure functions from a report to text.
