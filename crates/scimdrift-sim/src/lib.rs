//! A loopback server that behaves like Omni's SCIM API, seeded from a snapshot
//! file, with reproducible fault injection. Used by tests, benchmarks and the demo.
