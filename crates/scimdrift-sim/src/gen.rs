//! A deterministic generator of realistic orgs.
