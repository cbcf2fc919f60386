//! One module per subcommand.

pub mod donate;
pub mod projects;
pub mod prove;
pub mod status;
pub mod worker;
