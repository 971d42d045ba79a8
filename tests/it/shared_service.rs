//! Shared-service candidates: a document flow counts once per unit that runs it, and a
//! document belongs to the unit of whoever touched it first.

use crate::helpers::{analyze, ingest, query_csv};

#[test]
fn a_document_belongs_to_the_unit_that_touched_it_first() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    // view = search, edit = store, share = share (classify.sql).
    std::fs::write(
        src.join("dms.csv"),
        "time,user,action,document\n\
         2024-01-15T08:00:00Z,ann@x.org,view,D1\n\
         2024-01-15T09:00:00Z,bob@x.org,edit,D1\n\
         2024-01-16T08:00:00Z,ann@x.org,view,D2\n\
         2024-01-16T09:00:00Z,cat@x.org,edit,D2\n\
         2024-01-15T08:00:00Z,bob@x.org,edit,D3\n\
         2024-01-15T08:30:00Z,ann@x.org,edit,D3\n\
         2024-01-15T09:00:00Z,ann@x.org,share,D3\n\
         2024-01-16T08:00:00Z,bob@x.org,edit,D4\n\
         2024-01-16T08:10:00Z,bob@x.org,share,D4\n\
         2024-01-17T08:00:00Z,cat@x.org,share,D5\n\
         2024-01-17T09:00:00Z,ann@x.org,view,D5\n\
         2024-01-18T08:00:00Z,ann@x.org,share,D6\n\
         2024-01-18T09:00:00Z,cat@x.org,view,D6\n\
         2024-01-18T10:00:00Z,bob@x.org,view,D6\n",
    )
    .unwrap();
    let roster = dir.path().join("people.csv");
    std::fs::write(
        &roster,
        "email,unit\nann@x.org,north\nbob@x.org,south\ncat@x.org,east\n",
    )
    .unwrap();
    let (ds, out) = (dir.path().join("ds"), dir.path().join("out"));
    ingest(&src, &ds, &["--roster", &roster.to_string_lossy()]);
    analyze(&ds, &out, &[]);
    // `search > store` (D1, D2) is north's twice: ann viewed both first, though others
    // stored them. `store > share` (D3, D4) is south's twice: bob stored D3 before ann did.
    // Neither runs in two units, so neither is a candidate. `share > search` is east's (D5)
    // and north's (D6): a candidate of 2 units, 3 people, 2 documents and 5 events.
    assert_eq!(
        query_csv(
            &out,
            "select candidate, units, people, items, events, weeks from shared_service_candidates \
             where kind = 'document_flow' order by rank"
        ),
        "candidate,units,people,items,events,weeks\nshare > search,2,3,2,5,1\n"
    );
}
