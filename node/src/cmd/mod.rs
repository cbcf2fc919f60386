//! One module per subcommand.

pub mod prove;
