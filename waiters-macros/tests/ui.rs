//! trybuild: compile-fail cases (one model problem per file, `.stderr` checked in) and
//! pass cases (the bundled, the reference and a custom model under `#![deny(warnings)]`),
//! all in one trybuild run because each run builds the dependencies again.
//!
//! trybuild compiles the cases in a project of its own (`target/tests/trybuild/
//! waiters-macros/`), which is what `CARGO_MANIFEST_DIR` points at while they expand;
//! so the models they name (`models/...`, as a user would write) are copied there first.
//! Update the `.stderr` files after a deliberate change with `TRYBUILD=overwrite`.

use std::path::{Path, PathBuf};

/// trybuild's project directory for this crate.
fn trybuild_project() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`; trybuild works in `<target>/tests/trybuild`.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory contains tmp/");
    target
        .join("tests")
        .join("trybuild")
        .join(env!("CARGO_PKG_NAME"))
}

fn copy_models() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let models = trybuild_project().join("models");
    std::fs::create_dir_all(&models).expect("create the trybuild models directory");
    let mut sources = vec![
        here.join("../models/batch-waiters.json"),
        here.join("../tests/fixtures/airflow-reference.json"),
        here.join("../tests/fixtures/airflow-batch.json"),
    ];
    for dir in [here.join("tests/models"), here.join("tests/ui/models")] {
        for entry in std::fs::read_dir(&dir).expect("read a models directory") {
            sources.push(entry.expect("directory entry").path());
        }
    }
    for source in sources {
        let name = source.file_name().expect("a file name");
        std::fs::copy(&source, models.join(name))
            .unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
    }
}

#[test]
fn ui() {
    copy_models();
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
