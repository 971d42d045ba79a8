//! Fuzz target: `wecon_ingest::fuzz::mail` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecon_ingest::fuzz::mail(data));
