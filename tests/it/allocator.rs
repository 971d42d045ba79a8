//! The binary's allocator settings (`.cargo/config.toml`), as jemalloc reports them.

use crate::helpers::wecon_unchecked_env;

/// The binary carries the allocator settings `analyze` is measured with
/// (`.cargo/config.toml`): built elsewhere, or with the setting dropped, jemalloc's default
/// would give large blocks back to the kernel at once: the 4,000-person run took 0.7–3.7 s
/// longer on average in the trials (benches/README.md, "Large blocks reused"). jemalloc reports the settings it was
/// built with when asked to confirm them.
#[cfg(not(target_env = "msvc"))]
#[test]
fn the_binary_keeps_large_blocks_for_reuse() {
    let out = wecon_unchecked_env(
        &["--version"],
        &[("_RJEM_MALLOC_CONF", "confirm_conf:true")],
    );
    assert!(out.status.success());
    let report = String::from_utf8_lossy(&out.stderr);
    let built_in = report
        .lines()
        .find(|l| l.contains("--with-malloc-conf"))
        .unwrap_or_else(|| panic!("jemalloc did not report its settings:\n{report}"));
    assert!(
        built_in.contains("oversize_threshold:33554432"),
        "built-in settings: {built_in}"
    );
}
