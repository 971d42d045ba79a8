//! Fuzz target: `wecon_ingest::fuzz::audit` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecon_ingest::fuzz::audit(data));
