//! TorchScript-shaped IR: SSA values with types, nodes in blocks, `prim::If`
//! and `prim::Loop` with sub-blocks, spans on every node; and the printer
//! that writes a graph the way `scripted.graph` prints it.

pub mod graph;
pub mod print;
pub mod verify;

pub use graph::{Attr, BlockId, Constant, Graph, NodeId, ValueId};
