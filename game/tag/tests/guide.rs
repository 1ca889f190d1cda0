//! The guide cannot rot: every snippet that docs/make_your_game_trainable.md places between
//! `<!-- include: PATH#NAME -->` and `<!-- /include -->` must be the region of PATH between the
//! lines `ANCHOR: NAME` and `ANCHOR_END: NAME` (less the code fence and common indentation), and
//! every anchored region of the tag game is shown in the guide.

use std::path::{Path, PathBuf};

use bevy_gym_testkit::snippets::{anchors, check, includes};

const GUIDE: &str = include_str!("../../../docs/make_your_game_trainable.md");
/// Where the guide's worked example lives, relative to the repository root.
const GAME_DIR: &str = "game/tag";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The game's source and manifest files, as repository-relative paths.
fn game_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(repo_root().join(dir)).unwrap().flatten() {
        let path = dir.join(entry.file_name());
        let name = path.to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            game_files(&path, out);
        } else if name.ends_with(".rs") || name.ends_with(".toml") {
            out.push(name);
        }
    }
}

fn read_repo_file(path: &str) -> Option<String> {
    std::fs::read_to_string(repo_root().join(path)).ok()
}

#[test]
fn every_snippet_is_the_code_it_names() {
    let found = includes(GUIDE).unwrap();
    assert!(found.len() >= 8, "the guide includes its code: {found:?}");
    let errors: Vec<String> = found
        .iter()
        .filter_map(|i| check(i, read_repo_file).err())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
}

#[test]
fn every_anchored_region_is_in_the_guide() {
    let found = includes(GUIDE).unwrap();
    let mut files = Vec::new();
    game_files(Path::new(GAME_DIR), &mut files);
    assert!(files.len() > 10, "{files:?}");
    for path in files {
        let source = read_repo_file(&path).unwrap();
        for name in anchors(&source) {
            assert!(
                found.iter().any(|i| i.path == path && i.name == name),
                "{path}#{name} is anchored but the guide does not include it"
            );
        }
    }
}

#[test]
fn the_check_catches_drift() {
    let source = "fn a() {}\n    // ANCHOR: x\n    let y = 1;\n    // ANCHOR: inner\n    y\n    // ANCHOR_END: inner\n    // ANCHOR_END: x\n";
    let read = |_: &str| Some(source.to_string());
    let guide = |body: &str| {
        format!("text\n<!-- include: f.rs#x -->\n```rust\n{body}\n```\n<!-- /include -->\nmore\n")
    };
    let ok = &includes(&guide("let y = 1;\ny")).unwrap()[0];
    assert_eq!(check(ok, read), Ok(()));
    let drifted = &includes(&guide("let y = 2;\ny")).unwrap()[0];
    let err = check(drifted, read).unwrap_err();
    assert!(err.contains("snippet line 1 differs"), "{err}");
    let short = &includes(&guide("let y = 1;")).unwrap()[0];
    assert!(check(short, read).is_err());
    let unknown = &includes(&guide("x").replace("#x", "#nope")).unwrap()[0];
    assert!(check(unknown, read).unwrap_err().contains("no such anchor"));
    assert!(includes("<!-- include: f.rs#x -->\nno fence\n<!-- /include -->").is_err());
    assert_eq!(anchors(source), ["x", "inner"]);
}
