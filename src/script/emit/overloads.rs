//! Functions declared with `@torch.jit._overload` (`F.interpolate`, whose
//! `size` is an int or a list and `scale_factor` a float or a list): as
//! PyTorch, the implementation's body is compiled under the first declared
//! signature that accepts the call's arguments.

use std::cell::RefCell;

use super::*;

impl Emitter<'_, '_, '_> {
    /// The overloads declared for `f`, if any.
    fn overloads_of(&mut self, f: &Function) -> Vec<Rc<Function>> {
        let key = self.host.sym(&f.overloads_key());
        match f.globals.attrs.borrow().get(&key) {
            Some(Value::List(list)) => list
                .borrow()
                .iter()
                .filter_map(|v| match v {
                    Value::Function(o) => Some(o.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `f(...)`: the implementation under the first overload that accepts
    /// the arguments, or `f` itself when it has none.
    pub(super) fn function_call(
        &mut self,
        f: &Rc<Function>,
        positional: Vec<ValueId>,
        keywords: Vec<(String, ValueId)>,
        span: Span,
    ) -> ValueId {
        let overloads = self.overloads_of(f);
        if overloads.is_empty() {
            return self.user_call(None, f, positional, keywords, span, None);
        }
        let types: Vec<Type> = positional.iter().map(|v| self.ty(*v)).collect();
        let keyword_types: Vec<(String, Type)> = keywords.iter().map(|(k, v)| (k.clone(), self.ty(*v))).collect();
        let name = self.host.name(f.def.name.name).to_string();
        for (i, declared) in overloads.iter().enumerate() {
            let chosen = self.overload_body(f, declared, i);
            let unit = Unit {
                def: chosen.def.clone(),
                file: chosen.file,
                globals: chosen.globals.clone(),
                owner: None,
                alias: None,
                example_types: None,
            };
            let Some(signature) = signature(self.host, &unit) else { continue };
            let Some(returns) = signature.returns.clone() else { continue };
            if matching::match_schema(&signature.schema(&name, returns), &types, &keyword_types).is_ok() {
                return self.user_call(None, &chosen, positional, keywords, span, None);
            }
        }
        // None fits: the implementation's own signature says why.
        self.user_call(None, f, positional, keywords, span, None)
    }

    /// The implementation's body under overload `i`'s signature, made once
    /// (kept beside the overloads), so that every call compiles the same
    /// function and a recursive one is seen as recursive.
    fn overload_body(&mut self, f: &Rc<Function>, declared: &Function, i: usize) -> Rc<Function> {
        let key = self.host.sym(&format!("{}:{i}", f.overloads_key()));
        if let Some(Value::Function(made)) = f.globals.attrs.borrow().get(&key)
            && Rc::ptr_eq(&made.globals, &f.globals)
            && made.def.body == f.def.body
        {
            return made.clone();
        }
        let def = FunctionDef {
            params: declared.def.params.clone(),
            returns: declared.def.returns.clone(),
            decorators: Vec::new(),
            ..(*f.def).clone()
        };
        let made = Rc::new(Function {
            def: Rc::new(def),
            file: f.file,
            defaults: declared.defaults.clone(),
            globals: f.globals.clone(),
            closure: f.closure.clone(),
            qualname: f.qualname.clone(),
            owner: RefCell::new(None),
        });
        f.globals.attrs.borrow_mut().insert(key, Value::Function(made.clone()));
        made
    }
}
