//! The guide cannot rot: every snippet that docs/make_your_game_trainable.md places between
//! `<!-- include: PATH#NAME -->` and `<!-- /include -->` must be the region of PATH between the
//! lines `ANCHOR: NAME` and `ANCHOR_END: NAME` (less the code fence and common indentation), and
//! every anchored region of the tag game is shown in the guide.

use std::path::{Path, PathBuf};

const GUIDE: &str = include_str!("../../../docs/make_your_game_trainable.md");
/// Where the guide's worked example lives, relative to the repository root.
const GAME_DIR: &str = "game/tag";

/// One `<!-- include: … -->` block of the guide.
#[derive(Debug, PartialEq)]
struct Include {
    path: String,
    name: String,
    snippet: String,
    line: usize,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The include blocks of a guide, each snippet without its code fence.
fn includes(guide: &str) -> Result<Vec<Include>, String> {
    let mut found = Vec::new();
    let mut lines = guide.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(target) = line
            .trim()
            .strip_prefix("<!-- include: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let (path, name) = target
            .split_once('#')
            .ok_or(format!("line {}: expected PATH#NAME in {line:?}", n + 1))?;
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| l.trim() != "<!-- /include -->")
            .collect();
        let fenced =
            body.len() >= 2 && body[0].starts_with("```") && body[body.len() - 1].trim() == "```";
        if !fenced {
            return Err(format!(
                "line {}: expected one code fence between the include markers of {target}",
                n + 1
            ));
        }
        found.push(Include {
            path: path.to_string(),
            name: name.to_string(),
            snippet: body[1..body.len() - 1].join("\n"),
            line: n + 1,
        });
    }
    Ok(found)
}

/// `(is_end, name)` when `line` is an anchor comment: `// ANCHOR: name`, `# ANCHOR_END: name`.
fn marker(line: &str) -> Option<(bool, &str)> {
    let text = line.trim();
    let text = text
        .strip_prefix("//")
        .or_else(|| text.strip_prefix('#'))?
        .trim_start();
    let (is_end, name) = match text.strip_prefix("ANCHOR_END: ") {
        Some(name) => (true, name),
        None => (false, text.strip_prefix("ANCHOR: ")?),
    };
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then_some((is_end, name))
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, other markers dropped, dedented.
fn region(source: &str, name: &str) -> Option<String> {
    let mut lines = source
        .lines()
        .skip_while(|l| marker(l) != Some((false, name)));
    lines.next()?;
    let mut body = Vec::new();
    for line in lines {
        match marker(line) {
            Some((true, n)) if n == name => return Some(dedent(&body)),
            Some(_) => {}
            None => body.push(line),
        }
    }
    None
}

fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every anchor name in `source`.
fn anchors(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(marker)
        .filter(|(is_end, _)| !is_end)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// Why `include` differs from the code it names, if it does.
fn check(include: &Include, read: impl Fn(&str) -> Option<String>) -> Result<(), String> {
    let at = format!(
        "guide line {}: {}#{}",
        include.line, include.path, include.name
    );
    let source = read(&include.path).ok_or(format!("{at}: no such file"))?;
    let code = region(&source, &include.name).ok_or(format!("{at}: no such anchor"))?;
    let snippet = dedent(&include.snippet.lines().collect::<Vec<_>>());
    if snippet == code {
        return Ok(());
    }
    let (n, (guide, code)) = snippet
        .lines()
        .chain(std::iter::repeat(""))
        .zip(code.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (g, c))| g != c)
        .unwrap_or((0, ("", "")));
    Err(format!(
        "{at}: snippet line {} differs from the source\n  guide:  {guide:?}\n  source: {code:?}\npaste the region between the anchors into the guide",
        n + 1
    ))
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
