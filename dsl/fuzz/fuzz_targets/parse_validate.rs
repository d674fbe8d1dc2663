//! Any UTF-8 input: compile it, then render every diagnostic as plain text,
//! with colours and as JSON; and format it: formatting is idempotent and
//! never changes what a schema means. Any panic (or stack overflow, or
//! timeout) is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let compiled = dyngen_dsl::compile(source);
    assert_eq!(compiled.schema.is_none(), compiled.has_errors());
    for d in &compiled.diagnostics {
        assert!(d.primary_span().is_some(), "every diagnostic has a primary label");
        for label in &d.labels {
            let span = label.span;
            assert!(
                span.start <= span.end && span.end <= source.len(),
                "label outside the source"
            );
            assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
        }
        let _ = d.render("fuzz.dyn", source, false);
        let _ = d.render("fuzz.dyn", source, true);
        let _ = serde_json::to_string(&d.to_json("fuzz.dyn", source));
    }
    if let Ok(formatted) = dyngen_dsl::format::format(source) {
        assert_eq!(
            dyngen_dsl::format::format(&formatted).ok().as_deref(),
            Some(formatted.as_str()),
            "formatting is idempotent"
        );
        assert_eq!(
            dyngen_dsl::compile(&formatted).schema,
            compiled.schema,
            "formatting keeps the meaning"
        );
    }
});
