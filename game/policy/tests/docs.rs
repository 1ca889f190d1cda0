//! docs/policy_in_game.md cannot rot: every snippet it places between
//! `<!-- include: PATH#NAME -->` and `<!-- /include -->` must be the region of PATH between the
//! lines `ANCHOR: NAME` and `ANCHOR_END: NAME` (less the code fence and common indentation).

use std::path::Path;

const DOC: &str = include_str!("../../../docs/policy_in_game.md");

/// The lines of `text` between the anchor comments of `name`, less their common indentation.
fn region(text: &str, name: &str) -> Option<String> {
    let start = format!("ANCHOR: {name}");
    let end = format!("ANCHOR_END: {name}");
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim_start().trim_start_matches(['/', '#']).trim() != start)
        .skip(1)
        .take_while(|l| l.trim_start().trim_start_matches(['/', '#']).trim() != end)
        .collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()?;
    Some(
        lines
            .iter()
            .map(|l| l.get(indent..).unwrap_or("").trim_end())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[test]
fn every_included_snippet_is_the_code_it_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut lines = DOC.lines().enumerate();
    let mut checked = 0;
    while let Some((n, line)) = lines.next() {
        let Some(target) = line
            .trim()
            .strip_prefix("<!-- include: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let (path, name) = target.split_once('#').expect("PATH#NAME");
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| l.trim() != "<!-- /include -->")
            .collect();
        assert!(
            body.len() >= 2 && body[0].starts_with("```") && body[body.len() - 1] == "```",
            "line {}: one code fence between the markers of {target}",
            n + 1
        );
        let source = std::fs::read_to_string(root.join(path)).expect(path);
        let code = region(&source, name).unwrap_or_else(|| panic!("{path} has no region {name}"));
        assert_eq!(
            body[1..body.len() - 1].join("\n"),
            code,
            "line {}: the snippet of {target} differs from the code",
            n + 1
        );
        checked += 1;
    }
    assert!(checked >= 3, "the doc includes {checked} snippets");
}
