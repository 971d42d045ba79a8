//! The roster: people the exports show but the roster does not list are reported, and the
//! roster's other columns are kept as attributes (identifying ones are not).

use crate::exact::fixture;
use crate::helpers::{query_csv, wecon};

#[test]
fn people_missing_from_the_roster_are_reported_and_attributes_kept() {
    let dir = tempfile::tempdir().unwrap();
    let exports = fixture(dir.path());
    // The fixture's mailbox and calendar belong to alice@ex.org; the roster lists only bob.
    let roster = dir.path().join("people.csv");
    std::fs::write(
        &roster,
        "email,unit,site,display_name\nbob@ex.org,finance,Lyon,Bob Martin\n",
    )
    .unwrap();
    let ds = dir.path().join("ds");
    let (e, r, d) = (
        exports.to_string_lossy().into_owned(),
        roster.to_string_lossy().into_owned(),
        ds.to_string_lossy().into_owned(),
    );
    let out = wecon(&["ingest", &e, "--roster", &r, "--out", &d]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 people in the exports are not in the roster"),
        "{stderr}"
    );
    let manifest = std::fs::read_to_string(ds.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"people_not_in_roster\": 1"),
        "{manifest}"
    );
    assert_eq!(
        query_csv(
            &ds,
            "select unit, attributes from people where found_in like '%roster%'"
        ),
        "unit,attributes\nfinance,{site: Lyon}\n"
    );
}
