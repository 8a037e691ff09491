//! TorchScript-shaped IR: SSA values with types, nodes in blocks, `prim::If`
//! and `prim::Loop` with sub-blocks, spans on every node; and the printer
//! printers that write a graph the way `scripted.graph` and
//! `scripted.code` print it.

pub mod canonicalize;
pub mod cleanup;
pub mod exits;
pub mod fold;
pub mod graph;
pub mod inline;
pub mod preoptimize;
pub mod print;
pub mod python_print;
pub mod uses;
pub mod verify;

pub use graph::{Attr, BlockId, Constant, Graph, NodeId, TensorConstant, ValueId};
pub use uses::{Use, User, Uses};

/// A compiled function: its name, whether it is a method (its first
/// parameter is `self`), and its graph.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub method: bool,
    pub graph: Graph,
    /// Each parameter's default as Python source (`None`, `[1, 1]`).
    pub defaults: Vec<Option<String>>,
}

impl Function {
    /// As `scripted.graph` prints it (spans as `# file:line:col` when a map is given).
    pub fn graph_text(&self, map: Option<&crate::source::SourceMap>) -> String {
        print::graph(&self.graph, map)
    }

    /// As `scripted.code` prints it.
    pub fn code(&self) -> String {
        python_print::function(&self.graph, &self.name, self.method, &self.defaults)
    }
}
