//! Host evaluation: module-level code and `__init__` bodies run as ordinary
//! Python, building the module instances that scripting and tracing start
//! from (see ARCHITECTURE.md, "Two ways of evaluating").

pub mod weights;
