//! Text to tree: tokens (logos), layout (NEWLINE/INDENT/DEDENT), the LALRPOP
//! parser behind `parse`, and the checks Python makes right after parsing.

pub mod ast;
mod depth;
pub mod dump;
pub mod intern;
pub mod layout;
mod literal;
pub mod parser;
mod teardown;
pub mod token;
mod validate;
pub mod visit;

pub use intern::{Interner, Symbol};
pub use parser::{Parsed, parse};
