//! The organization tool as a library: the `org-tool` binary's commands, and the org's job store,
//! shard lifecycle, request handling and verification, usable from tests.

pub mod cmd;
pub mod org;
