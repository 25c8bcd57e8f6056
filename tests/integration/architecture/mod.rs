//! The house rules of ARCHITECTURE.md, checked on the sources: every module imports only
//! from the floors below its own, no files import each other in a circle, and no file
//! is longer than a person reads in one sitting. The checker's own tests show it failing
//! on a deliberate violation.

mod floors;
mod graph;

use floors::{Violation, check};
use graph::{Graph, Sources, read_dir};
use std::path::Path;

/// The most lines a source file may have.
const MAX_LINES: usize = 600;

fn crate_sources() -> Sources {
    read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn modules_import_only_from_lower_floors_and_never_in_a_circle() {
    let sources = crate_sources();
    let graph = Graph::build(&sources, "lib.rs");
    let problems = check(&graph);
    assert!(
        problems.is_empty(),
        "the layering of ARCHITECTURE.md is broken:\n{}",
        problems
            .iter()
            .map(Violation::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_file_is_placed_on_a_floor() {
    let sources = crate_sources();
    let graph = Graph::build(&sources, "lib.rs");
    let unplaced: Vec<String> = graph
        .files()
        .into_iter()
        .filter(|f| floors::floor_of(f).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "files on no floor of ARCHITECTURE.md (add their module to the table in \
         tests/integration/architecture/floors.rs and to ARCHITECTURE.md): {unplaced:?}"
    );
}

#[test]
fn no_source_file_is_longer_than_one_sitting() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    for dir in ["src", "tests", "benches"] {
        for (name, text) in read_dir(&root.join(dir)) {
            let lines = text.lines().count();
            if lines > MAX_LINES {
                long.push(format!("{dir}/{name}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them by concern): {long:?}"
    );
}

/// A tiny crate: `store` (floor 2) imports `core` (floor 4), and two core files import
/// each other.
fn broken_crate() -> Sources {
    let mut s = Sources::new();
    s.insert("lib.rs".into(), "pub mod core;\npub mod store;\n".into());
    s.insert(
        "store/mod.rs".into(),
        "use crate::core::Reply;\npub struct Store;\n".into(),
    );
    s.insert(
        "core/mod.rs".into(),
        "pub mod a;\npub mod b;\npub struct Reply;\n".into(),
    );
    s.insert(
        "core/a.rs".into(),
        "use super::b::B;\npub struct A;\nfn f() { let _ = crate::store::Store; }\n".into(),
    );
    s.insert(
        "core/b.rs".into(),
        "pub struct B;\nfn g() { let _ = super::a::A; }\n".into(),
    );
    s
}

#[test]
fn the_checker_finds_an_import_from_a_higher_floor_and_a_circle() {
    let graph = Graph::build(&broken_crate(), "lib.rs");
    let problems: Vec<String> = check(&graph).iter().map(Violation::to_string).collect();
    assert!(
        problems.iter().any(|p| p.contains("store/mod.rs")
            && p.contains("core/mod.rs")
            && p.contains("floor")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("circle") && p.contains("core/a.rs") && p.contains("core/b.rs")),
        "{problems:?}"
    );
}

#[test]
fn the_checker_accepts_the_same_crate_mended() {
    let mut s = broken_crate();
    s.insert("store/mod.rs".into(), "pub struct Store;\n".into());
    s.insert("core/b.rs".into(), "pub struct B;\n".into());
    let graph = Graph::build(&s, "lib.rs");
    let problems: Vec<String> = check(&graph).iter().map(Violation::to_string).collect();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_folders_face_re_exports_without_a_circle() {
    let mut s = Sources::new();
    s.insert("lib.rs".into(), "pub mod store;\n".into());
    s.insert(
        "store/mod.rs".into(),
        "mod rows;\npub use rows::Row;\npub struct Store;\n".into(),
    );
    s.insert(
        "store/rows.rs".into(),
        "use super::Store;\npub struct Row;\n".into(),
    );
    let graph = Graph::build(&s, "lib.rs");
    assert!(check(&graph).is_empty());
    // A call from the folder's own code into a child is an arrow like any other.
    s.insert(
        "store/mod.rs".into(),
        "mod rows;\npub struct Store;\nfn f() { let _ = rows::Row; }\n".into(),
    );
    let graph = Graph::build(&s, "lib.rs");
    let problems: Vec<String> = check(&graph).iter().map(Violation::to_string).collect();
    assert!(
        problems.iter().any(|p| p.contains("circle")),
        "{problems:?}"
    );
}

#[test]
fn paths_in_macros_and_child_modules_are_arrows() {
    let mut s = Sources::new();
    s.insert("lib.rs".into(), "pub mod domain;\npub mod store;\n".into());
    s.insert(
        "store/mod.rs".into(),
        "mod rows;\nfn f() { tracing::info!(x = %crate::domain::money::ZERO); rows::g(); }\n"
            .into(),
    );
    s.insert("store/rows.rs".into(), "pub fn g() {}\n".into());
    s.insert("domain/mod.rs".into(), "pub mod money;\n".into());
    s.insert(
        "domain/money.rs".into(),
        "pub const ZERO: i64 = 0;\n".into(),
    );
    let graph = Graph::build(&s, "lib.rs");
    let from_store = &graph.arrows["store/mod.rs"];
    assert!(from_store.contains_key("domain/money.rs"), "{from_store:?}");
    assert!(from_store.contains_key("store/rows.rs"), "{from_store:?}");
}
