//! docs/policy_in_game.md cannot rot: every snippet it places between
//! `<!-- include: PATH#NAME -->` and `<!-- /include -->` must be the region of PATH between the
//! lines `ANCHOR: NAME` and `ANCHOR_END: NAME` (less the code fence and common indentation).

use std::path::Path;

use bevy_gym_testkit::snippets::{check, includes};

const DOC: &str = include_str!("../../../docs/policy_in_game.md");

#[test]
fn every_included_snippet_is_the_code_it_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).ok();
    let found = includes(DOC).unwrap();
    let errors: Vec<String> = found.iter().filter_map(|i| check(i, read).err()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
    let checked = found.len();
    assert!(checked >= 3, "the doc includes {checked} snippets");
}
