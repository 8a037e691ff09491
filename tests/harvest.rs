//! `tsc check` against PyTorch's verdicts on the harvested corpus
//! (`tests/corpus/cases/harvest_*`, recorded in `tests/corpus/harvest.jsonl`
//! by `scripts/record-harvest.py` under PyTorch 2.5.1): TorchScript code tsc
//! was not written against — cases taken from PyTorch's own tests and cases
//! that vary each rule of issue #16. Prints the agreement per category, the
//! share of rejections whose first diagnostic is on PyTorch's line with
//! PyTorch's first line, and every disagreement. Both counts may only go up.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use tsy::source::SourceMap;
use tsy::syntax::Interner;

/// Cases whose verdict agrees with PyTorch's.
const VERDICTS_AGREE: usize = 183;

/// Rejections whose first diagnostic is on PyTorch's line with its first line.
const REJECTIONS_LOCATED: usize = 92;

/// PyTorch's headline without its trailing colon, and 2.5.1's typo fixed
/// (`local varible instead`, spelled correctly in 2.15 and in tsc).
fn normalize(first_line: &str) -> String {
    first_line.trim_end().trim_end_matches(':').replace("local varible instead", "local variable instead")
}

#[derive(Default)]
struct Row {
    cases: usize,
    agree: usize,
    rejected: usize,
    located: usize,
}

#[test]
fn harvest_verdicts_match_pytorch() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(root.join("harvest.jsonl")).expect("the harvest");
    let mut table: BTreeMap<String, Row> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut misplaced = Vec::new();
    for line in expected.lines() {
        let record: Value = serde_json::from_str(line).expect("JSON lines");
        let case = record["case"].as_str().expect("case name");
        let category = record["category"].as_str().expect("category").to_string();
        let text = std::fs::read_to_string(root.join("cases").join(format!("{case}.py"))).expect("case file");
        let mut map = SourceMap::new();
        let file = map.add(format!("cases/{case}.py"), text);
        let diagnostics: Vec<_> = tsy::check(&mut map, file, &mut Interner::new())
            .into_iter()
            .filter(tsy::diag::Diagnostic::is_error)
            .collect();
        let row = table.entry(category).or_default();
        row.cases += 1;
        let accepted = record["accepted"] == Value::Bool(true);
        if !accepted {
            row.rejected += 1;
        }
        match (accepted, diagnostics.first()) {
            (true, None) => row.agree += 1,
            (true, Some(first)) => {
                let at = map.get(file).line_col(first.span().start).0;
                disagreements.push(format!("{case}: PyTorch accepts; tsc line {at}: {}", first.message));
            }
            (false, None) => disagreements.push(format!(
                "{case}: PyTorch rejects ({}); tsc accepts",
                record["error"]["first_line"].as_str().unwrap_or_default()
            )),
            (false, Some(first)) => {
                row.agree += 1;
                let want_line = record["error"]["line"].as_u64();
                let want = normalize(record["error"]["first_line"].as_str().unwrap_or_default());
                let line = map.get(file).line_col(first.span().start).0 as u64;
                // PyTorch names no line for some errors (bare `List`): the
                // message alone is compared then.
                if want_line.is_none_or(|l| l == line) && first.message.contains(&want) {
                    row.located += 1;
                } else {
                    misplaced.push(format!(
                        "{case}: tsc line {line} `{}`, PyTorch line {want_line:?} `{want}`",
                        first.message
                    ));
                }
            }
        }
    }
    let total: Row = table.values().fold(Row::default(), |sum, row| Row {
        cases: sum.cases + row.cases,
        agree: sum.agree + row.agree,
        rejected: sum.rejected + row.rejected,
        located: sum.located + row.located,
    });
    println!("{:<24} {:>6} {:>16} {:>20}", "category", "cases", "verdicts agree", "rejections located");
    for (category, row) in table.iter().chain([(&"total".to_string(), &total)]) {
        println!(
            "{category:<24} {:>6} {:>16} {:>20}",
            row.cases,
            format!("{}/{}", row.agree, row.cases),
            format!("{}/{}", row.located, row.rejected)
        );
    }
    println!(
        "agreement {:.1}%; rejections on PyTorch's line with PyTorch's first line {:.1}%",
        100.0 * total.agree as f64 / total.cases as f64,
        100.0 * total.located as f64 / total.rejected.max(1) as f64
    );
    for line in disagreements.iter().chain(&misplaced) {
        println!("  {line}");
    }
    assert!(total.cases >= 100, "expected the harvest's cases, found {}", total.cases);
    assert!(total.agree >= VERDICTS_AGREE, "only {} verdicts agree, expected at least {VERDICTS_AGREE}", total.agree);
    assert!(
        total.located >= REJECTIONS_LOCATED,
        "only {} rejections located, expected at least {REJECTIONS_LOCATED}",
        total.located
    );
}
