//! Docs that cannot rot: a Markdown document places code between `<!-- include: PATH#NAME -->`
//! and `<!-- /include -->`, and that snippet must be the region of PATH between the lines
//! `ANCHOR: NAME` and `ANCHOR_END: NAME` (less the code fence and common indentation).

/// One `<!-- include: PATH#NAME -->` … `<!-- /include -->` block of a Markdown document.
#[derive(Debug, PartialEq)]
pub struct Include {
    pub path: String,
    pub name: String,
    pub snippet: String,
    /// The line of the include marker.
    pub line: usize,
}

/// The include blocks of a guide, each snippet without its code fence.
pub fn includes(guide: &str) -> Result<Vec<Include>, String> {
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
pub fn marker(line: &str) -> Option<(bool, &str)> {
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
pub fn region(source: &str, name: &str) -> Option<String> {
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

pub fn dedent(lines: &[&str]) -> String {
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
pub fn anchors(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(marker)
        .filter(|(is_end, _)| !is_end)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// Why `include` differs from the code it names, if it does.
pub fn check(include: &Include, read: impl Fn(&str) -> Option<String>) -> Result<(), String> {
    let at = format!(
        "doc line {}: {}#{}",
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
        "{at}: snippet line {} differs from the source\n  doc:    {guide:?}\n  source: {code:?}\npaste the region between the anchors into the doc",
        n + 1
    ))
}
