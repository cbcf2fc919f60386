//! A shard's arguments as the organization writes them: decimal ("123") or 0x-hex ("0x7b").
//!
//! Whether the count is right is checked when the program runs (`execute`): against the program's
//! `N_ARGS` for Cairo 0, by the program's own parameter deserialisation for Cairo 1.

use crate::error::Error;
use crate::felt::parse_felt;
use crate::Felt;

/// Parses each argument; the first bad one is named in the error.
pub fn parse<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Felt>, Error> {
    texts.iter().map(|t| parse_felt(t.as_ref())).collect()
}

/// Arguments as decimal strings, the way they are shown to people and in JSON.
pub fn to_decimal(felts: &[Felt]) -> Vec<String> {
    felts.iter().map(|f| f.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_list_and_names_the_bad_one() {
        assert_eq!(parse(&["1", "0x10"]).unwrap(), vec![Felt::from(1u8), Felt::from(16u8)]);
        let err = parse(&["1", "two", "3"]).unwrap_err().to_string();
        assert!(err.contains("\"two\""), "{err}");
    }

    #[test]
    fn decimal_rendering_round_trips() {
        let felts = parse(&["0", "0xff", "123456789012345678901234567890"]).unwrap();
        let shown = to_decimal(&felts);
        assert_eq!(shown, ["0", "255", "123456789012345678901234567890"]);
        assert_eq!(parse(&shown).unwrap(), felts);
    }
}
