//! The runtime's modules use each other without a circle, and `error`
//! uses none of them: what lets each be read (and changed) on its own.
//! References are read from the sources: `crate::module` outside comments
//! and macro bodies' `$crate` paths (those resolve in the caller's crate).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn module_uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("runtime/src") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
        if name == "lib" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let mut uses = BTreeSet::new();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                let before = &rest[..at];
                let after = &rest[at + "crate::".len()..];
                let used: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !before.ends_with('$') && !used.is_empty() && used != name {
                    uses.insert(used);
                }
                rest = after;
            }
        }
        modules.insert(name, uses);
    }
    // Only the crate's modules: `crate::Item` and other re-exports are lib.rs's.
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    for uses in modules.values_mut() {
        uses.retain(|u| names.contains(u));
    }
    modules
}

#[test]
fn error_uses_no_other_module() {
    let modules = module_uses();
    assert_eq!(
        modules["error"],
        BTreeSet::new(),
        "error.rs uses {:?}",
        modules["error"]
    );
}

#[test]
fn modules_use_each_other_without_a_circle() {
    let modules = module_uses();
    assert!(modules.len() > 10, "read {} modules", modules.len());
    // Kahn's algorithm: repeatedly take the modules whose uses are all taken.
    let mut taken = BTreeSet::new();
    loop {
        let ready: Vec<&String> = modules
            .iter()
            .filter(|(name, uses)| !taken.contains(*name) && uses.iter().all(|u| taken.contains(u)))
            .map(|(name, _)| name)
            .collect();
        if ready.is_empty() {
            break;
        }
        taken.extend(ready.into_iter().cloned());
    }
    let circular: BTreeMap<&String, &BTreeSet<String>> =
        modules.iter().filter(|(name, _)| !taken.contains(*name)).collect();
    assert!(circular.is_empty(), "modules on or behind a circle: {circular:?}");
}
