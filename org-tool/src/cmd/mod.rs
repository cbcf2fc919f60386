//! One module per subcommand.

pub mod compile;
pub mod run;
pub mod verify;
