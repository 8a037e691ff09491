//! Values while a graph runs: TorchScript's IValue, without autograd.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use indexmap::IndexMap;

use super::tensor::RTensor;

#[derive(Clone)]
pub enum RValue {
    None,
    Bool(bool),
    /// Also dtypes, layouts and memory formats, as TorchScript passes them.
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Device(Rc<str>),
    Tensor(RTensor),
    /// Mutable and shared, as TorchScript lists are.
    List(Rc<RefCell<Vec<RValue>>>),
    Tuple(Rc<[RValue]>),
    Dict(Rc<RefCell<IndexMap<Key, RValue>>>),
    /// A module instance or a torchbind object (a prepacked op context).
    Object(Rc<Object>),
}

/// A dict key: TorchScript dicts are keyed by str, int, float, bool or Tensor
/// (by identity).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Str(Rc<str>),
    Int(i64),
    /// The float's bits.
    Float(u64),
    Bool(bool),
    /// A tensor key, by identity.
    Tensor(usize),
}

/// An object: its class's qualified name and its attributes by name, in
/// slot order. Attributes are mutable (`prim::SetAttr`).
pub struct Object {
    pub class: String,
    pub attrs: RefCell<IndexMap<String, RValue>>,
}

impl Object {
    pub fn new(class: impl Into<String>, attrs: IndexMap<String, RValue>) -> Rc<Object> {
        Rc::new(Object { class: class.into(), attrs: RefCell::new(attrs) })
    }

    pub fn get(&self, name: &str) -> Option<RValue> {
        self.attrs.borrow().get(name).cloned()
    }
}

impl RValue {
    pub fn list(items: Vec<RValue>) -> RValue {
        RValue::List(Rc::new(RefCell::new(items)))
    }

    pub fn tuple(items: Vec<RValue>) -> RValue {
        RValue::Tuple(items.into())
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            RValue::None => "None",
            RValue::Bool(_) => "bool",
            RValue::Int(_) => "int",
            RValue::Float(_) => "float",
            RValue::Str(_) => "str",
            RValue::Device(_) => "Device",
            RValue::Tensor(_) => "Tensor",
            RValue::List(_) => "List",
            RValue::Tuple(_) => "Tuple",
            RValue::Dict(_) => "Dict",
            RValue::Object(_) => "Object",
        }
    }

    pub fn as_tensor(&self) -> Option<&RTensor> {
        match self {
            RValue::Tensor(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            RValue::Int(i) => Some(*i),
            RValue::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// An int or float as f64 (a `Scalar` argument).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            RValue::Int(i) => Some(*i as f64),
            RValue::Float(f) => Some(*f),
            RValue::Bool(b) => Some(i64::from(*b) as f64),
            _ => None,
        }
    }

    /// The items of a list or tuple.
    pub fn items(&self) -> Option<Vec<RValue>> {
        match self {
            RValue::List(l) => Some(l.borrow().clone()),
            RValue::Tuple(t) => Some(t.to_vec()),
            _ => None,
        }
    }

    /// An `int[]` argument: a list of ints, or one int that stands for all
    /// dimensions (`BroadcastingList`).
    pub fn int_list(&self) -> Option<Vec<i64>> {
        match self {
            RValue::Int(i) => Some(vec![*i]),
            other => other.items()?.iter().map(RValue::as_int).collect(),
        }
    }

    pub fn dict_key(&self) -> Option<Key> {
        Some(match self {
            RValue::Str(s) => Key::Str(s.clone()),
            RValue::Int(i) => Key::Int(*i),
            RValue::Float(f) => Key::Float(f.to_bits()),
            RValue::Bool(b) => Key::Bool(*b),
            RValue::Tensor(t) => Key::Tensor(t.identity()),
            _ => return None,
        })
    }

    pub fn from_key(key: &Key) -> RValue {
        match key {
            Key::Str(s) => RValue::Str(s.clone()),
            Key::Int(i) => RValue::Int(*i),
            Key::Float(bits) => RValue::Float(f64::from_bits(*bits)),
            Key::Bool(b) => RValue::Bool(*b),
            Key::Tensor(_) => RValue::None,
        }
    }
}

impl fmt::Debug for RValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RValue::None => write!(f, "None"),
            RValue::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            RValue::Int(i) => write!(f, "{i}"),
            RValue::Float(x) => write!(f, "{}", crate::repr::float_repr(*x)),
            RValue::Str(s) => write!(f, "{s:?}"),
            RValue::Device(d) => write!(f, "device({d:?})"),
            RValue::Tensor(t) => write!(f, "{t:?}"),
            RValue::List(l) => f.debug_list().entries(l.borrow().iter()).finish(),
            RValue::Tuple(t) => {
                let mut d = f.debug_tuple("");
                for item in t.iter() {
                    d.field(item);
                }
                d.finish()
            }
            RValue::Dict(d) => f.debug_map().entries(d.borrow().iter()).finish(),
            RValue::Object(o) => write!(f, "<{} object>", o.class),
        }
    }
}
