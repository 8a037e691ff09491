//! The calls a traced `forward` makes, resolved while it runs: a call of a
//! module that is itself scripted (or traced) is run whole and recorded as
//! one `prim::CallMethod`, as PyTorch's tracer keeps a ScriptModule's call
//! (and with it the callee's control flow); every other call runs its body,
//! whose operations are recorded.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::value::{EntryKind, Instance, Value};
use crate::interp::exec::Calls;
use crate::ir::{Graph, NodeId};
use crate::script::{InlineMemo, Unit};
use crate::syntax::ast::FunctionDef;

pub(super) struct Resolver<'h, 'a> {
    host: &'h mut Host<'a>,
    /// The callees of each graph run so far, by the graph's address.
    pub callees: HashMap<*const Graph, HashMap<NodeId, Unit>>,
    /// Graphs compiled so far, by function and module (kept alive: their
    /// addresses key `callees`).
    compiled: HashMap<(*const FunctionDef, Option<*const Instance>), Rc<Graph>>,
    /// Modules that are scripted or traced entries themselves.
    opaque: HashSet<*const Instance>,
    memo: InlineMemo,
    /// Why the compiler stopped on a callee, if it did.
    pub stopped: Option<crate::script::Stop>,
}

impl<'h, 'a> Resolver<'h, 'a> {
    pub(super) fn new(host: &'h mut Host<'a>, root: &Rc<Instance>) -> Resolver<'h, 'a> {
        let opaque = host
            .entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Script | EntryKind::Trace))
            .filter_map(|e| match &e.target {
                Value::Instance(i) if !Rc::ptr_eq(i, root) => Some(Rc::as_ptr(i)),
                _ => None,
            })
            .collect();
        Resolver {
            host,
            callees: HashMap::new(),
            compiled: HashMap::new(),
            opaque,
            memo: InlineMemo::new(),
            stopped: None,
        }
    }

    /// The unit a call node of `caller` calls.
    pub(super) fn unit(&self, caller: *const Graph, node: NodeId) -> Option<Unit> {
        self.callees.get(&caller)?.get(&node).cloned()
    }
}

impl Calls for Resolver<'_, '_> {
    fn callee(&mut self, caller: &Graph, node: NodeId) -> Option<(Rc<Graph>, bool)> {
        let unit = self.unit(caller as *const Graph, node)?;
        let opaque = unit.owner.as_ref().is_some_and(|o| self.opaque.contains(&Rc::as_ptr(o)))
            && unit.alias.is_none()
            && self.host.name(unit.def.name.name) == "forward";
        let key = (Rc::as_ptr(&unit.def), unit.owner.as_ref().map(Rc::as_ptr));
        if let Some(graph) = self.compiled.get(&key) {
            return Some((graph.clone(), opaque));
        }
        let graph = if opaque {
            match crate::script::inlined(self.host, &unit, &mut self.memo) {
                Ok(function) => Rc::new(function.graph),
                Err(stop) => {
                    self.stopped = Some(stop);
                    return None;
                }
            }
        } else {
            match crate::script::compiled(self.host, &unit) {
                Ok((function, callees)) => {
                    let graph = Rc::new(function.graph);
                    self.callees.insert(Rc::as_ptr(&graph), callees);
                    graph
                }
                Err(stop) => {
                    self.stopped = Some(stop);
                    return None;
                }
            }
        };
        self.compiled.insert(key, graph.clone());
        Some((graph, opaque))
    }
}
