//! proofgrid's donor node as a library: the daemon (`node donate`) and its parts, so the
//! binary stays thin and tests drive the real components.

pub mod config;
pub mod fault;
pub mod governor;
pub mod lock;
pub mod payload;
pub mod sensors;
pub mod setting;
pub mod store;
pub mod supervisor;
pub mod units;
pub mod worker;
pub mod daemon;
pub mod status;
