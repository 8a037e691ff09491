//! The reference interpreter: runs IR graphs on real tensors. `tsc run`,
//! tracing (which records what it runs), and the tests that check every
//! pass preserves the numbers all go through it.
//!
//! The values, tensors and kernels it runs on live in [`crate::runtime`].

pub mod convert;
pub mod exec;

pub use convert::Converter;
pub use exec::{RunError, run};
