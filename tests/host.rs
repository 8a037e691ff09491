//! Host evaluation diagnostics: each fixture in `tests/fixtures/host/`
//! carries `#~ CODE` annotations that must equal the diagnostics `tsc check`
//! reports, and the rendered diagnostics are snapshots.

mod common;

use std::path::Path;

use common::{annotations, files, snapshot_settings};
use tsy::source::SourceMap;
use tsy::syntax::Interner;

#[test]
fn host_fixtures_report_exactly_their_annotations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/host");
    let paths = files(&dir, "tsy");
    assert!(paths.len() >= 10, "the host fixtures are missing");
    for path in paths {
        let name = path.file_stem().expect("named").to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("readable fixture");
        let mut map = SourceMap::new();
        let file = map.add(format!("{name}.tsy"), text.clone());
        let mut interner = Interner::new();
        let diagnostics = tsy::check(&mut map, file, &mut interner);
        let source = map.get(file);
        let mut found: Vec<(usize, String)> = diagnostics
            .iter()
            .filter(|d| map.file_of(d.span().start) == file)
            .map(|d| (source.line_col(d.span().start).0, d.code.to_string()))
            .collect();
        found.sort();
        let rendered = tsy::diag::render::human(&map, &diagnostics, false);
        assert_eq!(found, annotations(&text), "{name}: diagnostics differ from the annotations:\n{rendered}");
        assert_eq!(diagnostics.len(), found.len(), "{name}: a diagnostic points outside the file:\n{rendered}");
        snapshot_settings().bind(|| insta::assert_snapshot!(format!("host__{name}"), rendered));
    }
}
