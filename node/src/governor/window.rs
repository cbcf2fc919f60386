//! The owner's time window (`--hours 22-07`): whole local hours, wrapping past midnight.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    /// First allowed hour, 0..24.
    pub start: u8,
    /// First hour no longer allowed, 0..24. `start == end` means all day.
    pub end: u8,
}

impl Hours {
    pub fn new(start: u8, end: u8) -> Result<Hours, String> {
        if start > 23 || end > 24 {
            return Err(format!("hours {start}-{end}: hours run from 0 to 23"));
        }
        Ok(Hours { start, end: end % 24 })
    }

    /// Parses `START-END`, e.g. `22-07` (10 pm to 7 am) or `9-17`.
    pub fn parse(text: &str) -> Result<Hours, String> {
        let bad = || format!("hours {text:?}: write START-END in whole hours, like 22-07 or 9-17");
        let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
        let start: u8 = a.trim().parse().map_err(|_| bad())?;
        let end: u8 = b.trim().parse().map_err(|_| bad())?;
        Hours::new(start, end)
    }

    pub fn contains(&self, hour: u8) -> bool {
        if self.start == self.end {
            true
        } else if self.start < self.end {
            (self.start..self.end).contains(&hour)
        } else {
            hour >= self.start || hour < self.end
        }
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_past_midnight() {
        let h = Hours::parse("22-07").unwrap();
        assert!(h.contains(22) && h.contains(23) && h.contains(0) && h.contains(6));
        assert!(!h.contains(7) && !h.contains(12) && !h.contains(21));
        let day = Hours::parse("9-17").unwrap();
        assert!(day.contains(9) && day.contains(16) && !day.contains(17) && !day.contains(3));
        assert!(Hours::parse("0-24").unwrap().contains(13));
    }

    #[test]
    fn bad_input_says_how_to_write_it() {
        assert!(Hours::parse("22").unwrap_err().contains("22-07"));
        assert!(Hours::parse("25-3").is_err());
    }
}
