//! Call arguments, and binding them to a function's parameters with
//! Python's rules and Python's error messages.

use std::collections::HashMap;
use std::rc::Rc;

use super::eval::{Eval, Host};
use super::value::{Dict, Function, Value};
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::ParamKind;

/// Evaluated arguments of one call.
#[derive(Clone, Debug)]
pub struct Args {
    pub positional: Vec<Value>,
    pub keywords: Vec<(Symbol, Value)>,
    /// The call expression, for errors about the arguments.
    pub span: Span,
}

impl Args {
    pub fn positional(positional: Vec<Value>, span: Span) -> Args {
        Args { positional, keywords: Vec::new(), span }
    }

    /// Matches the arguments of a builtin to its parameter names: each slot
    /// is the value given by position or keyword. `required` leading names
    /// must be given. Extra or unknown arguments are a `TypeError`.
    pub fn bind(&self, host: &Host<'_>, function: &str, names: &[&str], required: usize) -> Eval<Vec<Option<Value>>> {
        let mut slots: Vec<Option<Value>> = vec![None; names.len()];
        if self.positional.len() > names.len() {
            return host.raise(
                "TypeError",
                format!(
                    "{function}() takes {} positional argument{} but {} were given",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    self.positional.len()
                ),
                self.span,
            );
        }
        for (slot, value) in slots.iter_mut().zip(&self.positional) {
            *slot = Some(value.clone());
        }
        for (key, value) in &self.keywords {
            let key = host.name(*key);
            match names.iter().position(|n| *n == key) {
                Some(i) if slots[i].is_some() => {
                    return host.raise(
                        "TypeError",
                        format!("{function}() got multiple values for argument '{key}'"),
                        self.span,
                    );
                }
                Some(i) => slots[i] = Some(value.clone()),
                None => {
                    return host.raise(
                        "TypeError",
                        format!("{function}() got an unexpected keyword argument '{key}'"),
                        self.span,
                    );
                }
            }
        }
        if let Some(missing) = (0..required).find(|&i| slots[i].is_none()) {
            return host.raise(
                "TypeError",
                format!("{function}() missing required argument: '{}'", names[missing]),
                self.span,
            );
        }
        Ok(slots)
    }
}

/// Binds a call's arguments to a Python function's parameters.
pub fn bind(host: &mut Host<'_>, f: &Rc<Function>, args: Args, span: Span) -> Eval<HashMap<Symbol, Value>> {
    let params = &f.def.params;
    let name = display_name(f);
    let mut locals: HashMap<Symbol, Value> = HashMap::with_capacity(params.len());
    let positional_params: Vec<usize> = params
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.kind, ParamKind::PositionalOnly | ParamKind::Normal))
        .map(|(i, _)| i)
        .collect();
    let var_positional = params.iter().position(|p| p.kind == ParamKind::VarPositional);
    let var_keyword = params.iter().position(|p| p.kind == ParamKind::VarKeyword);

    let mut extra = Vec::new();
    for (i, value) in args.positional.into_iter().enumerate() {
        match positional_params.get(i) {
            Some(&p) => {
                locals.insert(params[p].name.name, value);
            }
            None => extra.push(value),
        }
    }
    if !extra.is_empty() && var_positional.is_none() {
        let given = positional_params.len() + extra.len();
        let takes = positional_params.len();
        // Python counts `self` in this message.
        return host.raise(
            "TypeError",
            format!(
                "{name}() takes {takes} positional argument{} but {given} were given",
                if takes == 1 { "" } else { "s" }
            ),
            span,
        );
    }
    if let Some(p) = var_positional {
        locals.insert(params[p].name.name, Value::tuple(extra));
    }

    let mut kwargs = Dict::default();
    for (key, value) in args.keywords {
        let target = params
            .iter()
            .position(|p| p.name.name == key && matches!(p.kind, ParamKind::Normal | ParamKind::KeywordOnly));
        match target {
            Some(p) if locals.contains_key(&params[p].name.name) => {
                let key = host.name(key).to_string();
                return host.raise("TypeError", format!("{name}() got multiple values for argument '{key}'"), span);
            }
            Some(p) => {
                locals.insert(params[p].name.name, value);
            }
            None if var_keyword.is_some() => {
                let key_text: Rc<str> = host.name(key).into();
                kwargs.entries.insert(super::value::Key::Str(key_text.clone()), (Value::Str(key_text), value));
            }
            None => {
                let key = host.name(key).to_string();
                return host.raise("TypeError", format!("{name}() got an unexpected keyword argument '{key}'"), span);
            }
        }
    }
    if let Some(p) = var_keyword {
        locals.insert(params[p].name.name, Value::Dict(Rc::new(std::cell::RefCell::new(kwargs))));
    }

    let mut missing_positional = Vec::new();
    let mut missing_keyword = Vec::new();
    for (i, param) in params.iter().enumerate() {
        if locals.contains_key(&param.name.name) {
            continue;
        }
        match (&f.defaults[i], param.kind) {
            (Some(default), _) => {
                locals.insert(param.name.name, default.clone());
            }
            (None, ParamKind::PositionalOnly | ParamKind::Normal) => {
                missing_positional.push(host.name(param.name.name).to_string());
            }
            (None, ParamKind::KeywordOnly) => missing_keyword.push(host.name(param.name.name).to_string()),
            (None, _) => {}
        }
    }
    if !missing_positional.is_empty() || !missing_keyword.is_empty() {
        let (kind, missing) = if missing_positional.is_empty() {
            ("keyword-only", missing_keyword)
        } else {
            ("positional", missing_positional)
        };
        let quoted: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        let list = match quoted.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        };
        return host.raise(
            "TypeError",
            format!(
                "{name}() missing {} required {kind} argument{}: {list}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            ),
            span,
        );
    }
    Ok(locals)
}

/// `Linear.__init__` for methods, as Python 3.11 names them in errors.
fn display_name(f: &Rc<Function>) -> String {
    match f.owner.borrow().as_ref().and_then(std::rc::Weak::upgrade) {
        Some(class) => format!("{}.{}", class.name, f.qualname),
        None => f.qualname.clone(),
    }
}
