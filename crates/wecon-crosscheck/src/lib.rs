//! A test-only crate: its tests recompute wecon's core metrics with polars, a second,
//! independent engine, from the same Parquet dataset, and check them against DataFusion's
//! results (see `tests/`). Nothing here is part of the `wecon` binary.
