//! Exports inside `.zip` and `.tar.gz` archives are read like folders, and hostile entries
//! are refused and counted.

use std::io::Write;
use std::path::Path;

use crate::exact::fixture;
use crate::helpers::{files_under, ingest, query_csv};

/// Zips a folder, adding one entry that tries to escape with `../`.
fn zip_folder(dir: &Path, zip_path: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for f in files_under(dir) {
        let name = f.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        zip.start_file(name, opts).unwrap();
        zip.write_all(&std::fs::read(&f).unwrap()).unwrap();
    }
    zip.start_file("../escape.eml", opts).unwrap();
    zip.write_all(
        b"Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: x@y.z\r\nTo: a@b.c\r\n\r\nx\r\n",
    )
    .unwrap();
    zip.finish().unwrap();
}

fn tar_gz_folder(dir: &Path, path: &Path) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("export", dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn archives_are_read_like_folders() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let plain = dir.path().join("plain");
    ingest(&ex, &plain, &[]);
    let summary = "select source, action, count(*) n from activities group by 1, 2 order by 1, 2";
    let expected = query_csv(&plain, summary);

    let zipped = dir.path().join("export.zip");
    zip_folder(&ex, &zipped);
    let from_zip = dir.path().join("z");
    ingest(&zipped, &from_zip, &[]);
    assert_eq!(query_csv(&from_zip, summary), expected);
    let log = query_csv(
        &from_zip,
        "select source_file, records_rejected from ingest_log where format = 'archive'",
    );
    assert!(
        log.contains("export.zip,1"),
        "the ../ entry is refused and counted: {log}"
    );
    let files = query_csv(&from_zip, "select distinct source_file from activities");
    assert!(
        files.lines().skip(1).all(|f| f.contains("export.zip!/")),
        "{files}"
    );

    let tgz = dir.path().join("export.tar.gz");
    tar_gz_folder(&ex, &tgz);
    let from_tgz = dir.path().join("t");
    ingest(&tgz, &from_tgz, &[]);
    assert_eq!(query_csv(&from_tgz, summary), expected);
}

/// Files in an archive are named by the archive (`export.zip!/...`), not by the temporary
/// folder it is unpacked into, in their activities' ids too: two runs give the same dataset.
#[test]
fn an_archive_read_twice_gives_the_same_activities() {
    let dir = tempfile::tempdir().unwrap();
    let ex = fixture(dir.path());
    let zipped = dir.path().join("export.zip");
    zip_folder(&ex, &zipped);
    let rows = "select activity_id, person_id, thread_id, object_id, source_file, source_record \
                from activities order by activity_id, source_record";
    let runs: Vec<String> = ["one", "two"]
        .iter()
        .map(|name| {
            let out = dir.path().join(name);
            ingest(&zipped, &out, &[]);
            query_csv(&out, rows)
        })
        .collect();
    assert!(runs[0].lines().count() > 10, "{}", runs[0]);
    assert_eq!(runs[0], runs[1]);
    let log = "select source_file, records_read from ingest_log order by 1";
    assert_eq!(
        query_csv(&dir.path().join("one"), log),
        query_csv(&dir.path().join("two"), log)
    );
}
