//! What the host keeps of each traced module: the graph tracing recorded
//! for its `forward`, which the compiler uses whatever the source says.

use std::collections::HashMap;
use std::rc::Rc;

use super::unit::Unit;
use super::value::Instance;
use crate::ir::{Function, NodeId};

/// What the compiler uses for a traced module's `forward`.
#[derive(Clone)]
pub struct TracedForward {
    pub module: Rc<Instance>,
    pub function: Rc<Function>,
    /// Calls kept in the trace (a scripted submodule's `forward`).
    pub calls: Rc<HashMap<NodeId, Unit>>,
}

/// Traced forwards by module instance.
pub type TracedForwards = HashMap<*const Instance, TracedForward>;
