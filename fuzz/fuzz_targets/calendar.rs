//! Fuzz target: `wecon_ingest::fuzz::calendar` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecon_ingest::fuzz::calendar(data));
