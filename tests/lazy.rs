//! `tsc check` builds the whole model without creating any weight data:
//! parameters stay lazy (shape, dtype, init recipe). Its own test binary, so
//! no other test in the process moves the global counter.

use std::path::Path;

use tsy::source::SourceMap;
use tsy::syntax::Interner;

#[test]
fn checking_resnet18_materializes_no_weight_data() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/resnet18.tsy");
    let text = std::fs::read_to_string(&path).expect("the example exists");
    let mut map = SourceMap::new();
    let file = map.add("resnet18.tsy", text);
    let mut interner = Interner::new();
    let diagnostics = tsy::check(&mut map, file, &mut interner);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(tsy::tensor::materialized_bytes(), 0, "check materialized weight data");

    // The same model through inspect: 11.7M parameters, all still lazy.
    let report = tsy::inspect(&mut map, file, &mut interner, None, None).expect("resnet18 inspects");
    assert_eq!(report.parameters, 11_689_512);
    assert!(report.state.iter().all(|row| row.sha256.is_none()), "a tensor was materialized");
    assert_eq!(tsy::tensor::materialized_bytes(), 0);
}
