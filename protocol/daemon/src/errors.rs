//! An error and its causes on one line, for people: each cause once. Error types that put their
//! cause in their own message *and* return it as their source would otherwise print it twice
//! ("cannot read x: No such file: No such file") through anyhow's `{:#}`.

/// `error` and each cause not already said, joined by ": ".
pub fn describe(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read x: {source}")]
    struct Repeats {
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let e = anyhow::Error::new(Repeats { source: io }).context("loading the job");
        assert_eq!(format!("{e:#}"), "loading the job: cannot read x: No such file: No such file");
        assert_eq!(describe(&e), "loading the job: cannot read x: No such file");
        assert_eq!(describe(&anyhow::anyhow!("plain")), "plain");
    }
}
