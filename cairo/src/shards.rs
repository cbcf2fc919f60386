//! Shard files: JSON Lines, one shard per line, each a JSON array of its arguments.
//!
//! ```text
//! [2, 1000]
//! [1000, "2000"]
//! ["0x7d0", 3000]
//! ```
//!
//! An argument is a JSON integer (up to 2^64 - 1) or a string holding a decimal or 0x-hex integer
//! (for anything larger). Blank lines are ignored. Two shards with the same arguments are refused:
//! they would be two leases for one result.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::error::Error;
use crate::felt::parse_felt;
use crate::Felt;

/// One shard: its 1-based line in the file and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    pub line: usize,
    pub args: Vec<Felt>,
}

/// Reads and parses a shard file (held in memory: for files of any size use [`stream`]).
pub fn load(path: &Path) -> Result<Vec<Shard>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, path)
}

/// Parses shard-file text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Shard>, Error> {
    let mut shards = Vec::new();
    let mut seen: HashMap<Vec<Felt>, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let Some(shard) = parse_line(raw, index + 1, path)? else { continue };
        if let Some(first) = seen.insert(shard.args.clone(), shard.line) {
            return Err(duplicate(path, raw, shard.line, first));
        }
        shards.push(shard);
    }
    if shards.is_empty() {
        return Err(empty(path));
    }
    Ok(shards)
}

/// The error for a shard with the same arguments as the one on line `first`.
pub fn duplicate(path: &Path, raw: &str, line: usize, first: usize) -> Error {
    Error::BadShards {
        path: path.to_path_buf(),
        line,
        column: first_column(raw),
        reason: format!("duplicate shard: the same arguments as line {first}; remove one of them"),
    }
}

fn empty(path: &Path) -> Error {
    Error::BadShards {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        reason: "the file has no shards; write one JSON array of arguments per line".into(),
    }
}

/// The shard on one line (`None` for a blank line).
pub fn parse_line(raw: &str, line: usize, path: &Path) -> Result<Option<Shard>, Error> {
    let err = |column: usize, reason: String| Error::BadShards { path: path.to_path_buf(), line, column, reason };
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let value: Value =
        serde_json::from_str(raw).map_err(|e| err(e.column().max(1), format!("not valid JSON: {}", without_position(&e))))?;
    let items = value
        .as_array()
        .ok_or_else(|| err(first_column(raw), "a shard must be a JSON array of arguments, like [2, 1000]".into()))?;
    let args = items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_item(item).map_err(|reason| err(element_column(raw, i), format!("argument #{}: {reason}", i + 1))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Shard { line, args }))
}

/// A shard file read a line at a time, in bounded memory: each item is a shard with its raw line
/// (for error columns), or the first error. Duplicates are the caller's to find (`publish` keeps
/// a digest of every shard on disk); an empty file is an error at the end.
pub struct Stream {
    path: std::path::PathBuf,
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    line: usize,
    any: bool,
    done: bool,
}

/// Opens a shard file for [`Stream`]ing.
pub fn stream(path: &Path) -> Result<Stream, Error> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(Stream { path: path.to_path_buf(), lines: std::io::BufReader::new(file).lines(), line: 0, any: false, done: false })
}

impl Iterator for Stream {
    type Item = Result<(Shard, String), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            match self.lines.next() {
                None => {
                    self.done = true;
                    return (!self.any).then(|| Err(empty(&self.path)));
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(Error::io(&self.path, e)));
                }
                Some(Ok(raw)) => {
                    self.line += 1;
                    match parse_line(&raw, self.line, &self.path) {
                        Ok(None) => continue,
                        Ok(Some(shard)) => {
                            self.any = true;
                            return Some(Ok((shard, raw)));
                        }
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
            }
        }
    }
}

/// serde_json's message without its " at line 1 column N": the caller reports the position.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn parse_item(item: &Value) -> Result<Felt, String> {
    match item {
        Value::Number(n) => n.as_u64().map(Felt::from).ok_or_else(|| {
            format!("{n} is not an integer in [0, 2^64); write other integers as strings, like \"0x7b\"")
        }),
        Value::String(s) => parse_felt(s).map_err(|e| e.to_string()),
        other => Err(format!("{other} is not an integer; write a number or a string like \"123\"")),
    }
}

/// 1-based column of the first non-blank character.
fn first_column(raw: &str) -> usize {
    raw.len() - raw.trim_start().len() + 1
}

/// 1-based column where the `index`-th top-level array element starts (best effort: elements are
/// numbers or strings, so commas outside strings separate them).
fn element_column(raw: &str, index: usize) -> usize {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut seen = 0;
    let mut expecting = false;
    for (pos, c) in raw.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '[' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
                continue;
            }
            ']' => depth -= 1,
            ',' if depth == 1 => {
                seen += 1;
                expecting = true;
                continue;
            }
            _ => {}
        }
        if expecting && !c.is_whitespace() {
            if seen == index {
                return pos + 1;
            }
            expecting = false;
        }
        if c == '"' {
            in_string = true;
        }
    }
    first_column(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Vec<Shard>, Error> {
        parse(text, Path::new("jobs.jsonl"))
    }

    #[test]
    fn reads_numbers_strings_and_skips_blank_lines() {
        let shards = parse_text("[2, 1000]\n\n[\"0x10\", \"20\"]\n").unwrap();
        assert_eq!(shards.len(), 2);
        assert_eq!(shards[0].args, vec![Felt::from(2u8), Felt::from(1000u16)]);
        assert_eq!(shards[1].line, 3);
        assert_eq!(shards[1].args, vec![Felt::from(16u8), Felt::from(20u8)]);
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = parse_text("[1, 2]\n[3, 4\n").unwrap_err().to_string();
        assert_eq!(err, "jobs.jsonl, line 2, column 5: not valid JSON: EOF while parsing a list");
        let err = parse_text("[1, 2]\n[1 2]\n").unwrap_err().to_string();
        assert!(err.starts_with("jobs.jsonl, line 2, column 4: not valid JSON"), "{err}");
    }

    #[test]
    fn bad_argument_names_its_column() {
        let err = parse_text("[1, 2]\n[3, -4]\n").unwrap_err().to_string();
        assert!(err.starts_with("jobs.jsonl, line 2, column 5"), "{err}");
        assert!(err.contains("argument #2"), "{err}");
        let err = parse_text("[1, \"a,b\", 1.5]").unwrap_err().to_string();
        assert!(err.starts_with("jobs.jsonl, line 1, column 5"), "{err}");
        let err = parse_text("[1, 2, 1.5]").unwrap_err().to_string();
        assert!(err.starts_with("jobs.jsonl, line 1, column 8"), "{err}");
    }

    #[test]
    fn not_an_array_is_refused() {
        let err = parse_text("  {\"args\": [1]}").unwrap_err().to_string();
        assert!(err.starts_with("jobs.jsonl, line 1, column 3"), "{err}");
        assert!(err.contains("JSON array"), "{err}");
    }

    #[test]
    fn duplicates_are_refused_naming_both_lines() {
        let err = parse_text("[1, 2]\n[3, 4]\n[\"0x1\", 2]\n").unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("same arguments as line 1"), "{err}");
    }

    #[test]
    fn streaming_reads_the_same_shards_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        std::fs::write(&path, "[2, 1000]\n\n[\"0x10\", \"20\"]\n[1, -1]\n").unwrap();
        let items: Vec<_> = stream(&path).unwrap().collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].as_ref().unwrap().0.line, 3);
        assert!(items[2].as_ref().unwrap_err().to_string().contains("line 4"));
        std::fs::write(&path, "\n").unwrap();
        let err = stream(&path).unwrap().next().unwrap().unwrap_err();
        assert!(err.to_string().contains("no shards"), "{err}");
    }

    #[test]
    fn an_empty_file_is_refused() {
        let err = parse_text("\n\n").unwrap_err().to_string();
        assert!(err.contains("no shards"), "{err}");
    }
}
