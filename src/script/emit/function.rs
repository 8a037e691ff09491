//! Function entry: parameters and their types (annotations, `# type:`
//! comments, defaults), the body, and the result.

use super::*;
use crate::ops::op;

impl<'u, 'h, 'a> Emitter<'u, 'h, 'a> {
    /// Emits the whole function: parameters, body, return.
    pub fn function(&mut self) {
        let def = self.unit.def.clone();
        let commented = super::super::signature::type_comment(self.host, self.unit);
        let offset = usize::from(self.unit.owner.is_some());
        for (i, param) in def.params.iter().enumerate() {
            let name = self.host.name(param.name.name).to_string();
            let owner = self.unit.owner.as_ref().filter(|_| i == 0);
            let from_comment =
                commented.as_ref().and_then(|(types, _)| i.checked_sub(offset).and_then(|k| types.get(k)).cloned());
            let (ty, inferred) = if let Some(owner) = owner {
                (Type::Class(owner.class.qualified_name().into()), false)
            } else if let Some(t) = from_comment {
                (t, false)
            } else {
                match &param.annotation {
                    None => (super::super::signature::unannotated(self.unit, i - offset), true),
                    Some(a) => match annotation::parse(self.host, a) {
                        Some(t) => (t, false),
                        None => {
                            self.give_up();
                            (Type::Any, false)
                        }
                    },
                }
            };
            // `BroadcastingList2[int] = 0`: a scalar default fills the list.
            let broadcasting = param.annotation.as_ref().is_some_and(|a| annotation::list_size(self.host, a).is_some());
            if !broadcasting {
                self.check_default(param, &ty, inferred);
            }
            let v = self.graph.add_input(ty, Some(name));
            if inferred {
                self.inferred.push(v);
                self.graph.value_mut(v).inferred = true;
            }
            if let Some(owner) = owner {
                self.modules.insert(v, owner.clone());
            }
            self.scopes[0].insert(param.name.name, v);
        }
        self.return_annotation = def.returns.as_ref().and_then(|r| annotation::parse(self.host, r));
        if let Some((_, result)) = &commented {
            self.return_annotation = Some(result.clone());
        }
        if def.returns.is_some() && self.return_annotation.is_none() {
            self.give_up();
        }
        self.return_exits = exits::returns_in_loop(&def.body);
        let flow = self.statements(&def.body);
        let result = match flow {
            Ok(Completion::Returns(v)) => v,
            Ok(Completion::Raises) if !self.return_exits => {
                self.give_up();
                self.any()
            }
            Ok(Completion::Falls) => {
                self.check_falls_off(&def);
                let none = self.constant(Constant::None, None);
                if self.return_exits {
                    let none = self.check_return(none, def.name.span);
                    self.return_exit(none, def.name.span);
                }
                none
            }
            Ok(Completion::Raises | Completion::Exits) => self.any(),
            Err(stop) => self.recover(stop),
        };
        let result = if self.return_exits {
            // A placeholder of the result type; lowering the returns
            // replaces it.
            let (ty, inferred) = self
                .merged_return
                .clone()
                .unwrap_or_else(|| (self.return_annotation.clone().unwrap_or(Type::None), false));
            let placeholder = self.node(op::prim::Uninitialized, vec![], vec![ty], Attr::None, def.name.span)[0];
            self.graph.value_mut(placeholder).inferred = inferred;
            placeholder
        } else {
            result
        };
        let top = self.graph.top;
        self.graph.block_mut(top).returns = vec![result];
        self.remove_dead_packing();
        if self.stop().is_none() {
            crate::ir::exits::transform(&mut self.graph);
            crate::ir::exits::canonicalize_modified_loops(&mut self.graph, top);
        }
        if cfg!(debug_assertions)
            && self.stop().is_none()
            && let Err(problem) = crate::ir::verify::verify(&self.graph)
        {
            panic!("the script compiler built an invalid graph for `{}`: {problem}", self.host.name(def.name.name));
        }
        if let Some((_, before)) = self.unsupported {
            // Types after a construct this compiler skipped are guesses:
            // report what was found before it, and what holds regardless.
            let sure = std::mem::take(&mut self.sure);
            let all = std::mem::take(&mut self.diagnostics);
            self.diagnostics =
                all.into_iter().enumerate().filter(|(i, _)| *i < before || sure.contains(i)).map(|(_, d)| d).collect();
        }
    }

    /// A function annotated to return a value may not fall off its end.
    pub(super) fn check_falls_off(&mut self, def: &FunctionDef) {
        if let Some(annotated) = &self.return_annotation
            && *annotated != Type::None
            && *annotated != Type::Any
            && self.unsupported.is_none()
        {
            let span = def.name.span;
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E2007,
                    span,
                    "Function was not annotated as having type None, but does not return along all paths",
                )
                .label(format!("`{}` is annotated to return `{annotated}`", self.host.name(def.name.name)))
                .help("add a `return` at the end of every path"),
            );
        }
    }

    /// A default must have the parameter's type (an unannotated parameter
    /// is a Tensor, so `times=2` is an error).
    pub(super) fn check_default(&mut self, param: &Param, ty: &Type, inferred: bool) {
        let Some(default) = &param.default else { return };
        let default_type = match &default.kind {
            ExprKind::Literal(Literal::Int(_)) => Type::Int,
            ExprKind::Literal(Literal::Float(_)) => Type::Float,
            ExprKind::Literal(Literal::Bool(_)) => Type::Bool,
            ExprKind::Literal(Literal::Str(_)) => Type::Str,
            ExprKind::Literal(Literal::None) => return,
            _ => return,
        };
        if matching::is_subtype(&default_type, ty, &mut HashMap::new())
            || (default_type == Type::Int && *ty == Type::Float)
        {
            return;
        }
        let name = self.host.name(param.name.name).to_string();
        let shown = if inferred { "Tensor (inferred)".to_string() } else { ty.to_string() };
        let mut message = format!("Expected a default value of type {shown} on parameter \"{name}\".");
        if inferred {
            message.push_str(&format!(
                "Because \"{name}\" was not annotated with an explicit type it is assumed to be type 'Tensor'."
            ));
        }
        let mut d =
            Diagnostic::new(Code::E2008, param.span, message).label(format!("the default is a `{default_type}`"));
        if inferred {
            d = d.suggest(
                format!("annotate `{name}`"),
                Span::point(param.name.span.end),
                format!(": {default_type}"),
                crate::diag::Applicability::MachineApplicable,
            );
        }
        self.diagnostics.push(d);
    }

    /// Removes tuple and list constructions and unpackings whose results
    /// nothing uses (left over where a tuple was unpacked at once).
    pub(super) fn remove_dead_packing(&mut self) {
        loop {
            let uses = crate::ir::Uses::of(&self.graph);
            let dead = |g: &Graph, n: crate::ir::NodeId| {
                let node = g.node(n);
                matches!(
                    node.kind,
                    op::prim::TupleConstruct | op::prim::ListConstruct | op::prim::TupleUnpack | op::prim::Constant
                ) && node.outputs.iter().all(|&o| !uses.is_used(o))
            };
            let mut removed = false;
            for b in 0..self.graph.blocks.len() {
                let nodes = std::mem::take(&mut self.graph.blocks[b].nodes);
                let before = nodes.len();
                let kept: Vec<_> = nodes.into_iter().filter(|n| !dead(&self.graph, *n)).collect();
                removed |= kept.len() != before;
                self.graph.blocks[b].nodes = kept;
            }
            if !removed {
                break;
            }
        }
    }
}
