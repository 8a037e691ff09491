//! Interned identifiers and string literals.

use string_interner::{DefaultStringInterner, DefaultSymbol};

/// An interned string: identifiers and string-literal values in the AST.
pub type Symbol = DefaultSymbol;

/// Owns the text of every [`Symbol`] of a compilation.
#[derive(Debug, Default)]
pub struct Interner {
    strings: DefaultStringInterner,
}

impl Interner {
    pub fn new() -> Interner {
        Interner::default()
    }

    pub fn intern(&mut self, text: &str) -> Symbol {
        self.strings.get_or_intern(text)
    }

    /// The symbol of `text` if it was ever interned.
    pub fn get(&self, text: &str) -> Option<Symbol> {
        self.strings.get(text)
    }

    pub fn resolve(&self, symbol: Symbol) -> &str {
        self.strings.resolve(symbol).expect("a symbol is only resolved by the interner that made it")
    }
}
