//! Properties of the key codec (`docs/key-format.md`): injective,
//! order-preserving, case-preserving, readable, exact range conditions and
//! key limits.

use chrono::{DateTime, NaiveDate, Utc};
use dyngen_runtime::key::{
    decode_segments, range_condition, text_range_condition, write_escaped, Casing, Comparison, KeyBuilder, KeySegment,
    SortKeyCondition, PARTITION_KEY_MAX, SENTINEL, SORT_KEY_MAX,
};
use dyngen_runtime::Error;
use proptest::collection::vec;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::cmp::Ordering;

// ---------------------------------------------------------------- helpers

/// The key of a tuple of segments (no length check).
fn key_of<T: KeySegment>(values: &[T]) -> String {
    values
        .iter()
        .fold(KeyBuilder::sort("Test", "sk"), |b, v| b.value("c", v, Casing::Preserve))
        .build_prefix()
        .unwrap()
}

/// The escaped segment of one value, without delimiter.
fn seg<T: KeySegment + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.write_segment(Casing::Preserve, &mut out).unwrap();
    out
}

fn matches(condition: &SortKeyCondition, key: &str) -> bool {
    // `String` compares by UTF-8 bytes, as DynamoDB does.
    match condition {
        SortKeyCondition::Equals(v) => key == v,
        SortKeyCondition::BeginsWith(p) => key.starts_with(p.as_str()),
        SortKeyCondition::Between(lo, hi) => lo.as_str() <= key && key <= hi.as_str(),
        SortKeyCondition::Greater(v) => key > v.as_str(),
        SortKeyCondition::GreaterOrEqual(v) => key >= v.as_str(),
        SortKeyCondition::Less(v) => key < v.as_str(),
        SortKeyCondition::LessOrEqual(v) => key <= v.as_str(),
    }
}

fn timestamp(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nano: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_nano_opt(h, mi, s, nano)
        .unwrap()
        .and_utc()
}

// ------------------------------------------------------------- strategies

/// Fragments that stress the delimiter, the escapes and label-like words.
fn fragment() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "#",
            "$",
            "\\",
            "_",
            " ",
            "\u{10FFFE}",
            "\u{10FFFF}",
            "\u{10FFFD}",
            "😀",
            "x",
            "y",
            "z",
            "b",
            "a",
            "A",
            "1",
            "10",
            "User",
            "Issue",
            "Repository",
            "Repo",
            "managed",
            "owned",
            "$23",
            "$24",
            "#b_",
            "\u{10FFFE}0",
            "\u{10FFFE}1",
            "\0",
            "!",
            "\"",
            "%",
            "~",
            "-",
            "é",
            "\u{7F}",
            "\u{80}",
            "\u{FFFF}",
        ])
        .prop_map(str::to_owned),
        any::<char>().prop_map(String::from),
    ]
}

/// Strings built from [`fragment`]s, with some arbitrary strings mixed in.
fn tricky_string() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => vec(fragment(), 0..5).prop_map(|parts| parts.concat()),
        1 => any::<String>(),
    ]
}

/// Strings over a tiny alphabet: equal values, prefixes and near-misses are common.
fn small_string() -> impl Strategy<Value = String> + Clone {
    vec(
        prop::sample::select(vec!["a", "b", "#", "$", "\u{10FFFF}", "\u{10FFFE}", " "]),
        0..4,
    )
    .prop_map(|parts| parts.concat())
}

fn tuple_of(element: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = Vec<String>> + Clone {
    vec(element, 0..4)
}

/// Two tuples of the same arity.
fn same_arity<T: std::fmt::Debug + Clone>(
    element: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = (Vec<T>, Vec<T>)> + Clone {
    (1usize..4).prop_flat_map(move |n| (vec(element.clone(), n), vec(element.clone(), n)))
}

fn an_i32() -> impl Strategy<Value = i32> + Clone {
    prop_oneof![
        Just(i32::MIN),
        Just(i32::MAX),
        Just(0),
        Just(-1),
        Just(1),
        -3..3i32,
        any::<i32>()
    ]
}

fn an_i64() -> impl Strategy<Value = i64> + Clone {
    prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        Just(-1),
        Just(1),
        Just(i64::from(i32::MIN)),
        -3..3i64,
        any::<i64>()
    ]
}

fn a_u32() -> impl Strategy<Value = u32> + Clone {
    prop_oneof![Just(u32::MAX), Just(0), Just(1), 0..3u32, any::<u32>()]
}

fn a_u64() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![Just(u64::MAX), Just(0), Just(1), 0..3u64, any::<u64>()]
}

const MANTISSA_MAX: i128 = (1 << 96) - 1;

fn a_decimal() -> impl Strategy<Value = Decimal> + Clone {
    let any_mantissa = -MANTISSA_MAX..=MANTISSA_MAX;
    prop_oneof![
        // Wide range: huge, tiny, negative, every scale.
        (any_mantissa, 0u32..=28).prop_map(|(m, s)| Decimal::try_from_i128_with_scale(m, s).unwrap()),
        // Small values, often equal or close, at different scales (1.5 vs 1.50).
        (-30i128..30, 0u32..4, 0u32..3)
            .prop_map(|(m, s, extra)| { Decimal::try_from_i128_with_scale(m * 10i128.pow(extra), s + extra).unwrap() }),
        // Same exponent, significant digits that are prefixes of each other
        // (-1.5 vs -1.55 vs -1.6): the case the `~` terminator exists for.
        (
            prop::sample::select(vec![1i128, 15, 155, 1555, 154, 16, 19, 199, 2, 5, 55]),
            any::<bool>(),
            0u32..3,
        )
            .prop_map(|(m, negative, s)| {
                let digits = m.to_string().len() as u32;
                let d = Decimal::try_from_i128_with_scale(m, digits - 1 + s).unwrap();
                if negative {
                    -d
                } else {
                    d
                }
            }),
        Just(Decimal::ZERO),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::new(1, 28)),
        Just(Decimal::new(-1, 28)),
    ]
}

fn a_timestamp() -> impl Strategy<Value = DateTime<Utc>> + Clone {
    // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
    let seconds = -62_167_219_200i64..=253_402_300_799;
    prop_oneof![
        (seconds, 0u32..1_000_000_000).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap()),
        (0i64..3, prop::sample::select(vec![0u32, 1, 999_999_999]))
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap()),
    ]
}

// ------------------------------------------------------------- injective

#[test]
fn electrodb_collision_is_not_a_collision() {
    let first = key_of(&["x#b_y", "z"]);
    let second = key_of(&["x", "y#b_z"]);
    assert_ne!(first, second);
    assert_eq!(first, "x$23b_y#z#");
    assert_eq!(second, "x#y$23b_z#");
    assert_eq!(decode_segments(&first).unwrap(), ["x#b_y", "z"]);
    assert_eq!(decode_segments(&second).unwrap(), ["x", "y#b_z"]);
}

#[test]
fn escape_table() {
    let mut out = String::new();
    write_escaped("#$ !\"\0%~\u{10FFFE}\u{10FFFF}\u{10FFFD}", Casing::Preserve, &mut out);
    assert_eq!(out, "$23$24$20$21$22$00%~\u{10FFFE}0\u{10FFFE}1\u{10FFFD}");
    assert!(!out.contains(SENTINEL));
}

#[test]
fn decode_rejects_what_the_encoder_cannot_produce() {
    for bad in [
        "abc",
        "abc#d",
        "$2#",
        "$#",
        "$G0#",
        "$2a#",
        "$41#",
        "$25#",
        "a#\u{10FFFF}#",
        "\u{10FFFE}#",
        "\u{10FFFE}2#",
        "$$24#",
    ] {
        assert!(decode_segments(bad).is_err(), "{bad:?} decoded");
    }
    assert_eq!(decode_segments("").unwrap(), Vec::<String>::new());
    assert_eq!(decode_segments("#").unwrap(), [""]);
    assert_eq!(decode_segments("##").unwrap(), ["", ""]);
}

proptest! {
    #[test]
    fn injective_and_decodable(a in tuple_of(tricky_string()), b in tuple_of(tricky_string())) {
        let (ka, kb) = (key_of(&a), key_of(&b));
        prop_assert_eq!(a == b, ka == kb);
        prop_assert!(!ka.contains(SENTINEL));
        prop_assert_eq!(decode_segments(&ka).unwrap(), a);
        prop_assert_eq!(decode_segments(&kb).unwrap(), b);
    }

    #[test]
    fn injective_on_a_small_alphabet(a in tuple_of(small_string()), b in tuple_of(small_string())) {
        let (ka, kb) = (key_of(&a), key_of(&b));
        prop_assert_eq!(a == b, ka == kb);
        prop_assert_eq!(decode_segments(&ka).unwrap(), a);
    }

    #[test]
    fn delimiter_only_ends_segments(a in tuple_of(tricky_string())) {
        let key = key_of(&a);
        prop_assert_eq!(key.matches('#').count(), a.len());
    }
}

// ------------------------------------------------------ order-preserving

fn assert_order<T: KeySegment + Ord + std::fmt::Debug>(a: &[T], b: &[T]) -> Result<(), TestCaseError> {
    let (ka, kb) = (key_of(a), key_of(b));
    prop_assert_eq!(
        a.cmp(b),
        ka.as_bytes().cmp(kb.as_bytes()),
        "{:?} {:?} -> {:?} {:?}",
        a,
        b,
        ka,
        kb
    );
    Ok(())
}

proptest! {
    #[test]
    fn order_strings((a, b) in same_arity(tricky_string())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_small_strings((a, b) in same_arity(small_string())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_i32((a, b) in same_arity(an_i32())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_i64((a, b) in same_arity(an_i64())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_u32((a, b) in same_arity(a_u32())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_u64((a, b) in same_arity(a_u64())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_decimal((a, b) in same_arity(a_decimal())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_timestamp((a, b) in same_arity(a_timestamp())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_bool((a, b) in same_arity(any::<bool>())) {
        assert_order(&a, &b)?;
    }

    #[test]
    fn order_mixed(a in (small_string(), an_i64(), tricky_string()), b in (small_string(), an_i64(), tricky_string())) {
        let key = |t: &(String, i64, String)| {
            KeyBuilder::sort("Test", "sk")
                .label("Label")
                .value("s", &t.0, Casing::Preserve)
                .value("i", &t.1, Casing::Preserve)
                .value("t", &t.2, Casing::Preserve)
                .build_prefix()
                .unwrap()
        };
        prop_assert_eq!(a.cmp(&b), key(&a).as_bytes().cmp(key(&b).as_bytes()));
    }

    #[test]
    fn equal_decimals_encode_identically(m in -1_000_000i128..1_000_000, s in 0u32..10, extra in 0u32..10) {
        let d = Decimal::try_from_i128_with_scale(m, s).unwrap();
        let scaled = Decimal::try_from_i128_with_scale(m * 10i128.pow(extra), s + extra).unwrap();
        prop_assert_eq!(seg(&d), seg(&scaled));
    }
}

#[test]
fn typed_encodings() {
    assert_eq!(seg(&false), "false");
    assert_eq!(seg(&true), "true");
    assert_eq!(seg(&0u32), "0000000000");
    assert_eq!(seg(&u32::MAX), "4294967295");
    assert_eq!(seg(&1u64), "00000000000000000001");
    assert_eq!(seg(&u64::MAX), "18446744073709551615");
    assert_eq!(seg(&0i32), "0000000000");
    assert_eq!(seg(&i32::MAX), "2147483647");
    assert_eq!(seg(&-1i32), "-2147483647");
    assert_eq!(seg(&i32::MIN), "-0000000000");
    assert_eq!(seg(&1i64), "0000000000000000001");
    assert_eq!(seg(&i64::MAX), "9223372036854775807");
    assert_eq!(seg(&-1i64), "-9223372036854775807");
    assert_eq!(seg(&i64::MIN), "-0000000000000000000");

    let dec = |s: &str| seg(&s.parse::<Decimal>().unwrap());
    assert_eq!(dec("0"), "0");
    assert_eq!(dec("-0.00"), "0");
    assert_eq!(dec("1"), "15011");
    assert_eq!(dec("1.5"), "150115");
    assert_eq!(dec("1.50"), "150115");
    assert_eq!(dec("15"), "150215");
    assert_eq!(dec("100"), "15031");
    assert_eq!(dec("0.001"), "14981");
    assert_eq!(dec("-1.5"), "-49884~");
    assert_eq!(dec("-1.55"), "-498844~");
    assert!(dec("-1.55") < dec("-1.5"));
    assert_eq!(seg(&Decimal::new(1, 28)), "14731");
    assert_eq!(seg(&Decimal::MAX), "152979228162514264337593543950335");
    assert_eq!(seg(&Decimal::MIN), "-47020771837485735662406456049664~");

    assert_eq!(
        seg(&timestamp(2024, 3, 9, 7, 5, 3, 120_000_000)),
        "2024-03-09T07:05:03.120000000Z"
    );
    assert_eq!(seg(&timestamp(0, 1, 1, 0, 0, 0, 0)), "0000-01-01T00:00:00.000000000Z");
    assert_eq!(
        seg(&timestamp(9999, 12, 31, 23, 59, 59, 999_999_999)),
        "9999-12-31T23:59:59.999999999Z"
    );
}

/// Every adjacent pair of a sorted list encodes in strictly increasing order.
fn assert_sorted<T: KeySegment + std::fmt::Debug>(values: &[T]) {
    for pair in values.windows(2) {
        let (a, b) = (seg(&pair[0]), seg(&pair[1]));
        assert!(a < b, "{:?} ({a:?}) should sort before {:?} ({b:?})", pair[0], pair[1]);
    }
}

#[test]
fn sorted_examples() {
    let decimals: Vec<Decimal> = [
        "-79228162514264337593543950335",
        "-1000",
        "-999.9",
        "-100",
        "-2",
        "-1.6",
        "-1.555",
        "-1.55",
        "-1.5",
        "-1.0001",
        "-1",
        "-0.9",
        "-0.1",
        "-0.0000000000000000000000000001",
        "0",
        "0.0000000000000000000000000001",
        "0.1",
        "0.9",
        "1",
        "1.0001",
        "1.5",
        "1.55",
        "1.555",
        "1.6",
        "2",
        "10",
        "99.9",
        "100",
        "79228162514264337593543950335",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    assert_sorted(&decimals);
    assert_sorted(&[i32::MIN, i32::MIN + 1, -10, -9, -1, 0, 1, 9, 10, i32::MAX]);
    assert_sorted(&[i64::MIN, i64::MIN + 1, -10, -9, -1, 0, 1, 9, 10, i64::MAX]);
    assert_sorted(&[0u32, 1, 9, 10, u32::MAX]);
    assert_sorted(&[0u64, 1, 9, 10, u64::MAX]);
    assert_sorted(&[false, true]);
    assert_sorted(&[
        timestamp(0, 1, 1, 0, 0, 0, 0),
        timestamp(999, 12, 31, 23, 59, 59, 999_999_999),
        timestamp(1969, 12, 31, 23, 59, 59, 0),
        timestamp(1970, 1, 1, 0, 0, 0, 0),
        timestamp(1970, 1, 1, 0, 0, 0, 1),
        timestamp(2024, 1, 1, 0, 0, 0, 0),
        timestamp(9999, 12, 31, 23, 59, 59, 999_999_999),
    ]);
    assert_sorted(&[
        "",
        "\0",
        " ",
        "#",
        "$",
        "%",
        "A",
        "Repo",
        "Repository",
        "a",
        "é",
        "\u{10FFFD}",
        "\u{10FFFE}",
        "\u{10FFFF}",
    ]);
}

#[test]
fn leap_second_sorts_between_its_neighbours() {
    let before = timestamp(2016, 12, 31, 23, 59, 59, 999_999_999);
    let leap = timestamp(2016, 12, 31, 23, 59, 59, 1_500_000_000);
    let after = timestamp(2017, 1, 1, 0, 0, 0, 0);
    assert!(before < leap && leap < after);
    assert!(seg(&before) < seg(&leap) && seg(&leap) < seg(&after), "{}", seg(&leap));
}

#[test]
fn vcs_examples() {
    let pk = KeyBuilder::partition("Issue", "pk")
        .label("vcs")
        .value("repoOwner", "octocat", Casing::Preserve)
        .value("repoName", "hello-world", Casing::Preserve)
        .build()
        .unwrap();
    assert_eq!(pk, "vcs#octocat#hello-world#");
    let sk = KeyBuilder::sort("Issue", "sk")
        .label("Issue")
        .value("status", "Open", Casing::Preserve)
        .value("number", &1i64, Casing::Preserve)
        .build()
        .unwrap();
    assert_eq!(sk, "Issue#Open#0000000000000000001#");
    let gsi = KeyBuilder::sort("Issue", "gsi1sk")
        .label("managed")
        .label("Issue")
        .value("status", "Open", Casing::Preserve)
        .value("number", &1i64, Casing::Preserve)
        .build()
        .unwrap();
    assert_eq!(gsi, "managed#Issue#Open#0000000000000000001#");
    assert_eq!(KeyBuilder::sort("User", "sk").label("User").build().unwrap(), "User#");
}

// ------------------------------------------------------ casing, readable

#[test]
fn case_preserving_by_default() {
    let upper = KeyBuilder::sort("E", "sk")
        .label("Repository")
        .value("name", "Repo", Casing::Preserve);
    let lower = KeyBuilder::sort("E", "sk")
        .label("Repository")
        .value("name", "repo", Casing::Preserve);
    assert_eq!(upper.build().unwrap(), "Repository#Repo#");
    assert_eq!(lower.build().unwrap(), "Repository#repo#");
}

#[test]
fn casing_applies_to_values_not_labels() {
    let key = |casing| {
        KeyBuilder::sort("E", "sk")
            .label("Repository")
            .value("name", "Hello-World", casing)
            .build()
            .unwrap()
    };
    assert_eq!(key(Casing::Lower), "Repository#hello-world#");
    assert_eq!(key(Casing::Upper), "Repository#HELLO-WORLD#");
    assert_eq!(key(Casing::Preserve), "Repository#Hello-World#");
}

proptest! {
    #[test]
    fn casing_is_applied_before_escaping(s in tricky_string()) {
        let with = |casing| {
            let mut out = String::new();
            write_escaped(&s, casing, &mut out);
            out
        };
        let plain = |t: String| {
            let mut out = String::new();
            write_escaped(&t, Casing::Preserve, &mut out);
            out
        };
        prop_assert_eq!(with(Casing::Lower), plain(s.to_lowercase()));
        prop_assert_eq!(with(Casing::Upper), plain(s.to_uppercase()));
        prop_assert_eq!(with(Casing::Preserve), plain(s.clone()));
    }

    #[test]
    fn readable(s in "[A-Za-z0-9._@:/-]*") {
        let mut out = String::new();
        write_escaped(&s, Casing::Preserve, &mut out);
        prop_assert_eq!(&out, &s);
        prop_assert_eq!(key_of(&[s.as_str()]), format!("{s}#"));
    }
}

// ------------------------------------------------------- range conditions

#[derive(Debug, Clone)]
enum Cmp<T> {
    Gt(T),
    Gte(T),
    Lt(T),
    Lte(T),
    Between(T, T),
    Begins(String),
}

fn cmp_of<T: Clone + std::fmt::Debug>(
    value: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Cmp<T>> + Clone {
    prop_oneof![
        value.clone().prop_map(Cmp::Gt),
        value.clone().prop_map(Cmp::Gte),
        value.clone().prop_map(Cmp::Lt),
        value.clone().prop_map(Cmp::Lte),
        (value.clone(), value).prop_map(|(a, b)| Cmp::Between(a, b)),
    ]
}

fn string_cmp() -> impl Strategy<Value = Cmp<String>> + Clone {
    prop_oneof![5 => cmp_of(small_string()), 1 => small_string().prop_map(Cmp::Begins)]
}

/// A key set sharing one prefix (its tuple), keys `(composite, further
/// composites)` under it, other keys (whose leading segments rarely equal the
/// prefix; those that do are skipped) and a comparison.
type Scenario<T> = (Vec<String>, Vec<(T, Vec<String>)>, Vec<Vec<String>>, Cmp<T>);

fn scenario<T: Clone + std::fmt::Debug>(
    value: impl Strategy<Value = T>,
    comparison: impl Strategy<Value = Cmp<T>>,
) -> impl Strategy<Value = Scenario<T>> {
    (
        vec(small_string(), 0..3),
        vec((value, vec(small_string(), 0..3)), 0..24),
        vec(vec(small_string(), 3..6), 0..6),
        comparison,
    )
}

fn holds<T: Ord>(comparison: &Cmp<T>, x: &T, as_str: impl Fn(&T) -> Option<&str>) -> bool {
    match comparison {
        Cmp::Gt(v) => x > v,
        Cmp::Gte(v) => x >= v,
        Cmp::Lt(v) => x < v,
        Cmp::Lte(v) => x <= v,
        Cmp::Between(a, b) => a <= x && x <= b,
        Cmp::Begins(s) => as_str(x).unwrap().starts_with(s.as_str()),
    }
}

fn check_range<T: KeySegment + Ord + std::fmt::Debug>(
    (prefix, keys, others, comparison): Scenario<T>,
    as_str: impl Fn(&T) -> Option<&str>,
) -> Result<(), TestCaseError> {
    let under_prefix = || {
        prefix
            .iter()
            .fold(KeyBuilder::sort("Test", "sk").label("Label"), |b, v| {
                b.value("p", v, Casing::Preserve)
            })
    };
    let p = under_prefix().build_prefix().unwrap();
    let query = match &comparison {
        Cmp::Gt(v) => Comparison::Gt(seg(v)),
        Cmp::Gte(v) => Comparison::Gte(seg(v)),
        Cmp::Lt(v) => Comparison::Lt(seg(v)),
        Cmp::Lte(v) => Comparison::Lte(seg(v)),
        Cmp::Between(a, b) => Comparison::Between(seg(a), seg(b)),
        Cmp::Begins(s) => Comparison::Begins(seg(s.as_str())),
    };
    let condition = range_condition(&p, &query);
    for (x, rest) in &keys {
        let key = rest
            .iter()
            .fold(under_prefix().value("x", x, Casing::Preserve), |b, v| {
                b.value("r", v, Casing::Preserve)
            })
            .build_prefix()
            .unwrap();
        prop_assert_eq!(
            matches(&condition, &key),
            holds(&comparison, x, &as_str),
            "key {:?} (composite {:?}) against {:?} = {:?}",
            key,
            x,
            comparison,
            condition
        );
    }
    for (i, other) in others.iter().enumerate() {
        // Keys under the same label with other leading composites, and under
        // labels that share bytes with it.
        let label = ["Label", "Labe", "LabelX", "Label$"][i % 4];
        if label == "Label" && other[..prefix.len()] == prefix[..] {
            continue;
        }
        let key = other
            .iter()
            .fold(KeyBuilder::sort("Test", "sk").label(label), |b, v| {
                b.value("o", v, Casing::Preserve)
            })
            .build_prefix()
            .unwrap();
        prop_assert!(!matches(&condition, &key), "{:?} matched {:?}", key, condition);
    }
    Ok(())
}

proptest! {
    #[test]
    fn range_condition_strings(s in scenario(small_string(), string_cmp())) {
        check_range(s, |x: &String| Some(x.as_str()))?;
    }

    #[test]
    fn range_condition_tricky_strings(s in scenario(tricky_string(), prop_oneof![
        5 => cmp_of(tricky_string()),
        1 => tricky_string().prop_map(Cmp::Begins),
    ])) {
        check_range(s, |x: &String| Some(x.as_str()))?;
    }

    #[test]
    fn range_condition_i64(s in scenario(an_i64(), cmp_of(an_i64()))) {
        check_range(s, |_| None)?;
    }

    #[test]
    fn range_condition_i32(s in scenario(an_i32(), cmp_of(an_i32()))) {
        check_range(s, |_| None)?;
    }

    #[test]
    fn range_condition_u64(s in scenario(a_u64(), cmp_of(a_u64()))) {
        check_range(s, |_| None)?;
    }

    #[test]
    fn range_condition_decimal(s in scenario(a_decimal(), cmp_of(a_decimal()))) {
        check_range(s, |_| None)?;
    }

    #[test]
    fn range_condition_timestamp(s in scenario(a_timestamp(), cmp_of(a_timestamp()))) {
        check_range(s, |_| None)?;
    }
}

#[test]
fn range_condition_table() {
    let p = "Issue#Open#";
    let s = SENTINEL;
    let between = |a: String, b: String| SortKeyCondition::Between(a, b);
    let v = || "5".to_owned();
    assert_eq!(
        range_condition(p, &Comparison::Gt(v())),
        between(format!("{p}5$"), format!("{p}{s}"))
    );
    assert_eq!(
        range_condition(p, &Comparison::Gte(v())),
        between(format!("{p}5#"), format!("{p}{s}"))
    );
    assert_eq!(
        range_condition(p, &Comparison::Lt(v())),
        between(p.to_owned(), format!("{p}5"))
    );
    assert_eq!(
        range_condition(p, &Comparison::Lte(v())),
        between(p.to_owned(), format!("{p}5#{s}"))
    );
    assert_eq!(
        range_condition(p, &Comparison::Between("1".into(), "5".into())),
        between(format!("{p}1#"), format!("{p}5#{s}"))
    );
    assert_eq!(
        range_condition(p, &Comparison::Begins("5".into())),
        SortKeyCondition::BeginsWith(format!("{p}5"))
    );
}

#[test]
fn issue_1_does_not_match_issue_10() {
    let key = |number: &str| {
        KeyBuilder::sort("Issue", "sk")
            .label("Issue")
            .value("status", "Open", Casing::Preserve)
            .value("number", number, Casing::Preserve)
    };
    let prefix = key("1").build_prefix().unwrap();
    let condition = SortKeyCondition::BeginsWith(prefix);
    assert!(matches(&condition, &key("1").build().unwrap()));
    assert!(!matches(&condition, &key("10").build().unwrap()));
    // Through `range_condition`, "begins with 1" does match 10 (a prefix of the value).
    let open = KeyBuilder::sort("Issue", "sk")
        .label("Issue")
        .value("status", "Open", Casing::Preserve)
        .build_prefix()
        .unwrap();
    let begins = range_condition(&open, &Comparison::Begins(seg("1")));
    assert!(matches(&begins, &key("10").build().unwrap()));
    assert!(!matches(&begins, &key("20").build().unwrap()));
    // Labels: `Repo` does not match `Repository`.
    let repo = KeyBuilder::sort("E", "sk").label("Repo").build_prefix().unwrap();
    let repository = KeyBuilder::sort("E", "sk").label("Repository").build().unwrap();
    assert!(!repository.starts_with(&repo));
}

// ------------------------------------------------------------ key limits

#[test]
fn partition_key_limit() {
    let key = |len: usize| KeyBuilder::partition("User", "pk").value("username", &"a".repeat(len), Casing::Preserve);
    assert_eq!(key(PARTITION_KEY_MAX - 1).build().unwrap().len(), PARTITION_KEY_MAX);
    match key(PARTITION_KEY_MAX).build() {
        Err(Error::KeyTooLong {
            entity: "User",
            attribute: "pk",
            length: 2049,
            max: 2048,
        }) => {}
        other => panic!("{other:?}"),
    }
    // The prefix of a query is not checked.
    assert_eq!(key(PARTITION_KEY_MAX).build_prefix().unwrap().len(), 2049);
}

#[test]
fn sort_key_limit() {
    let key = |len: usize| KeyBuilder::sort("User", "sk").value("username", &"é".repeat(len / 2), Casing::Preserve);
    assert_eq!(key(SORT_KEY_MAX - 2).build().unwrap().len(), 1023);
    let exact = KeyBuilder::sort("User", "sk").value("username", &"a".repeat(SORT_KEY_MAX - 1), Casing::Preserve);
    assert_eq!(exact.build().unwrap().len(), SORT_KEY_MAX);
    let over = KeyBuilder::sort("User", "sk").value("username", &"a".repeat(SORT_KEY_MAX), Casing::Preserve);
    match over.build() {
        Err(Error::KeyTooLong {
            entity: "User",
            attribute: "sk",
            length: 1025,
            max: 1024,
        }) => {}
        other => panic!("{other:?}"),
    }
    // Escapes count at their encoded length: 341 `#` are 1023 bytes, plus the delimiter.
    let escaped = KeyBuilder::sort("User", "sk").value("username", &"#".repeat(341), Casing::Preserve);
    assert_eq!(escaped.build().unwrap().len(), 1024);
    let escaped = KeyBuilder::sort("User", "sk").value("username", &"#".repeat(342), Casing::Preserve);
    assert!(matches!(escaped.build(), Err(Error::KeyTooLong { length: 1027, .. })));
}

#[test]
fn timestamps_outside_years_0_to_9999_are_invalid() {
    for bad in [timestamp(10000, 1, 1, 0, 0, 0, 0), timestamp(-1, 12, 31, 23, 59, 59, 0)] {
        let result = KeyBuilder::sort("Event", "sk")
            .label("Event")
            .value("at", &bad, Casing::Preserve)
            .build();
        match result {
            Err(Error::InvalidKey {
                entity: "Event",
                attribute: "at",
                message,
            }) => assert_eq!(message, "timestamps in keys must fall in years 0 to 9999"),
            other => panic!("{other:?}"),
        }
    }
    for good in [
        timestamp(0, 1, 1, 0, 0, 0, 0),
        timestamp(9999, 12, 31, 23, 59, 59, 999_999_999),
    ] {
        assert!(KeyBuilder::sort("Event", "sk")
            .value("at", &good, Casing::Preserve)
            .build()
            .is_ok());
    }
}

#[test]
fn first_error_wins() {
    let bad = timestamp(10000, 1, 1, 0, 0, 0, 0);
    let builder = KeyBuilder::sort("Event", "sk")
        .label("Event")
        .value("first", &bad, Casing::Preserve)
        .value("second", &bad, Casing::Preserve)
        .label("more")
        .value("third", "x", Casing::Preserve);
    match builder.build_prefix() {
        Err(Error::InvalidKey { attribute: "first", .. }) => {}
        other => panic!("{other:?}"),
    }
    // An invalid value wins over the length check.
    let long_and_bad = KeyBuilder::sort("Event", "sk")
        .value("name", &"a".repeat(5000), Casing::Preserve)
        .value("at", &bad, Casing::Preserve);
    assert!(matches!(
        long_and_bad.build(),
        Err(Error::InvalidKey { attribute: "at", .. })
    ));
}

#[test]
fn ordering_helper_is_byte_order() {
    // `str` ordering is UTF-8 byte ordering, which the tests above rely on.
    assert_eq!("\u{FFFF}".cmp("\u{10000}"), Ordering::Less);
    assert_eq!("\u{FFFF}".as_bytes().cmp("\u{10000}".as_bytes()), Ordering::Less);
}

/// A text key's last value, for the range proofs of templates: any text
/// without U+10FFFF (writes refuse it), including U+0000 and U+D7FF/U+E000.
fn text_value() -> impl Strategy<Value = String> + Clone {
    proptest::collection::vec(
        prop_oneof![
            Just('\u{0}'),
            Just('\u{1}'),
            Just('#'),
            Just('a'),
            Just('b'),
            Just('\u{D7FF}'),
            Just('\u{E000}'),
            Just('\u{10FFFE}'),
        ],
        0..4,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    /// A template's range condition on its last value (after the literal
    /// text `prefix`) selects exactly the keys `prefix + x` whose value `x`
    /// compares so, and never a key outside `prefix`.
    #[test]
    fn text_ranges_select_exactly(
        prefix in prop_oneof![Just(String::new()), Just("USER#".to_owned()), Just("a".to_owned())],
        x in text_value(),
        v in text_value(),
        w in text_value(),
        other in text_value(),
    ) {
        let key = format!("{prefix}{x}");
        let cases = [
            (Comparison::Gt(v.clone()), x > v),
            (Comparison::Gte(v.clone()), x >= v),
            (Comparison::Lt(v.clone()), x < v),
            (Comparison::Lte(v.clone()), x <= v),
            (Comparison::Between(v.clone(), w.clone()), v <= x && x <= w),
            (Comparison::Begins(v.clone()), x.starts_with(v.as_str())),
        ];
        for (comparison, expected) in cases {
            let selected = text_range_condition(&prefix, &comparison).is_some_and(|c| matches(&c, &key));
            prop_assert_eq!(selected, expected, "{:?} on {:?} (prefix {:?})", comparison, x, prefix);
            // A key under another prefix is never selected (the prefixes
            // here do not extend each other).
            if !prefix.is_empty() {
                let outside = format!("b{other}");
                if !outside.starts_with(prefix.as_str()) {
                    let hit = text_range_condition(&prefix, &comparison).is_some_and(|c| matches(&c, &outside));
                    prop_assert!(!hit, "{:?} selected {:?} outside {:?}", comparison, outside, prefix);
                }
            }
        }
    }
}

/// The shard hash is FNV-1a (64-bit), as documented: its published test
/// vectors, modulo the count.
#[test]
fn shards_are_fnv1a_of_the_key_text_modulo_the_count() {
    use dyngen_runtime::key::{KeyText, Shard};
    // FNV-1a 64 test vectors: "" and "a" (from the FNV reference).
    assert_eq!(Shard::of("", 1000).index() as u64, 0xcbf2_9ce4_8422_2325_u64 % 1000);
    assert_eq!(Shard::of("a", 1000).index() as u64, 0xaf63_dc4c_8601_ec8c_u64 % 1000);
    assert_eq!(Shard::of("foobar", 16).index() as u64, 0x8594_4171_f739_67e8_u64 % 16);
    // Integers hash their decimal text; strings and their `String` alike.
    assert_eq!(Shard::of(&42_u64, 16), Shard::of("42", 16));
    assert_eq!(Shard::of(&"a".to_string(), 16), Shard::of("a", 16));
    // Zero-padded to the width of the last shard.
    let text = |s: Shard| {
        let mut out = String::new();
        s.write_text(&mut out).unwrap();
        out
    };
    assert_eq!(text(Shard::new(3, 16).unwrap()), "03");
    assert_eq!(text(Shard::new(3, 10).unwrap()), "3");
    assert_eq!(text(Shard::new(7, 1000).unwrap()), "007");
    assert_eq!(
        Shard::all(4).iter().map(|s| s.index()).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(Shard::new(4, 4), None);
    assert_eq!(Shard::new(0, 1), None);
    assert_eq!((Shard::first(16).index(), Shard::last(16).index()), (0, 15));
}

proptest! {
    /// Every value lands in a shard that exists, and its text sorts like
    /// its number.
    #[test]
    fn shards_exist_and_sort_by_number(value in ".*", count in 2_u16..=1000, other in 0_u16..1000) {
        use dyngen_runtime::key::{KeyText, Shard};
        let shard = Shard::of(value.as_str(), count);
        prop_assert!(shard.index() < count);
        prop_assert_eq!(shard.count(), count);
        if let Some(other) = Shard::new(other % count, count) {
            let (mut a, mut b) = (String::new(), String::new());
            shard.write_text(&mut a).unwrap();
            other.write_text(&mut b).unwrap();
            prop_assert_eq!(a.cmp(&b), shard.index().cmp(&other.index()));
        }
    }
}
