//! Round trips and errors of the value codec (`dyngen_runtime::value`).

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as AV;
use chrono::{DateTime, TimeZone, Utc};
use dyngen_runtime::error::ValueErrorKind;
use dyngen_runtime::rust_decimal::Decimal;
use dyngen_runtime::value::{
    self, decode_enum, decode_map, encode_enum, encode_map, epoch_seconds, put, put_optional, take, take_field,
    take_optional, take_optional_field, validate_f64, AttributeCodec, EpochSeconds,
};
use dyngen_runtime::{aws_sdk_dynamodb, chrono, Bytes, Item, ValueError};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;
use std::str::FromStr;

fn round_trip<T: AttributeCodec + PartialEq + Debug>(value: T) -> AV {
    let encoded = value.encode().expect("encodes to a value");
    let decoded = T::decode(encoded.clone()).unwrap_or_else(|e| panic!("{value:?} via {encoded:?}: {e:?}"));
    assert_eq!(decoded, value, "via {encoded:?}");
    encoded
}

fn n(text: &str) -> AV {
    AV::N(text.to_owned())
}

fn s(text: &str) -> AV {
    AV::S(text.to_owned())
}

fn invalid(message: &str) -> ValueError {
    ValueError::invalid(message)
}

fn wrong(expected: &'static str, found: &'static str) -> ValueError {
    ValueError::new(ValueErrorKind::WrongType { expected, found })
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

// ---------------------------------------------------------------------------
// Scalars

#[test]
fn strings() {
    assert_eq!(round_trip(String::new()), s(""));
    assert_eq!(
        round_trip("héllo wörld ✓ 😀 \u{0} \n".to_owned()),
        s("héllo wörld ✓ 😀 \u{0} \n")
    );
    round_trip("x".repeat(10_000));
}

#[test]
fn booleans() {
    assert_eq!(round_trip(true), AV::Bool(true));
    assert_eq!(round_trip(false), AV::Bool(false));
}

#[test]
fn integers_encode_as_plain_decimal_text() {
    assert_eq!(round_trip(0i32), n("0"));
    assert_eq!(round_trip(i32::MIN), n("-2147483648"));
    assert_eq!(round_trip(i32::MAX), n("2147483647"));
    assert_eq!(round_trip(i64::MIN), n("-9223372036854775808"));
    assert_eq!(round_trip(i64::MAX), n("9223372036854775807"));
    assert_eq!(round_trip(u32::MAX), n("4294967295"));
    assert_eq!(round_trip(0u64), n("0"));
    assert_eq!(round_trip(u64::MAX), n("18446744073709551615"));
}

#[test]
fn integers_decode_every_form_dynamodb_accepts() {
    assert_eq!(i64::decode(n("1E+3")), Ok(1000));
    assert_eq!(i64::decode(n("1e3")), Ok(1000));
    assert_eq!(i64::decode(n("1.5E1")), Ok(15));
    assert_eq!(i64::decode(n("1000.000")), Ok(1000));
    assert_eq!(i64::decode(n("-0")), Ok(0));
    assert_eq!(u64::decode(n("-0")), Ok(0));
    assert_eq!(u64::decode(n("-0.0E5")), Ok(0));
    assert_eq!(i32::decode(n("+7")), Ok(7));
    assert_eq!(i32::decode(n("0012")), Ok(12));
    assert_eq!(i64::decode(n("-9.223372036854775808E18")), Ok(i64::MIN));
    assert_eq!(u64::decode(n("18446744073709551615.0")), Ok(u64::MAX));
    assert_eq!(u32::decode(n("4294967295")), Ok(u32::MAX));
    assert_eq!(i32::decode(n("1e0")), Ok(1));
    assert_eq!(i32::decode(n("100e-2")), Ok(1));
}

#[test]
fn integers_reject_fractions_and_out_of_range_values() {
    assert_eq!(
        i64::decode(n("1.5")),
        Err(invalid("1.5 is not an integer, as i64 requires"))
    );
    assert_eq!(
        i64::decode(n("15E-1")),
        Err(invalid("15E-1 is not an integer, as i64 requires"))
    );
    assert_eq!(
        u32::decode(n("1e-200")),
        Err(invalid("1e-200 is not an integer, as u32 requires"))
    );
    assert_eq!(
        i32::decode(n("2147483648")),
        Err(invalid("2147483648 is out of range for i32"))
    );
    assert_eq!(
        i32::decode(n("-2147483649")),
        Err(invalid("-2147483649 is out of range for i32"))
    );
    assert_eq!(u32::decode(n("-1")), Err(invalid("-1 is out of range for u32")));
    assert_eq!(
        u64::decode(n("18446744073709551616")),
        Err(invalid("18446744073709551616 is out of range for u64"))
    );
    assert_eq!(
        i64::decode(n("9223372036854775808")),
        Err(invalid("9223372036854775808 is out of range for i64"))
    );
    assert_eq!(i64::decode(n("1E+125")), Err(invalid("1E+125 is out of range for i64")));
    assert_eq!(
        i64::decode(n("1E+99999999999999999999")),
        Err(invalid("1E+99999999999999999999 is out of range for i64"))
    );
    let forty_digits = "1234567890123456789012345678901234567890";
    assert_eq!(
        i64::decode(n(forty_digits)),
        Err(invalid(&format!("{forty_digits} is out of range for i64")))
    );
    for bad in ["", "-", "abc", "1.2.3", "1e", "1e+", "e5", ".", "0x10", "1 "] {
        assert_eq!(
            i64::decode(n(bad)),
            Err(invalid(&format!("`{bad}` is not a number"))),
            "{bad:?}"
        );
    }
}

#[test]
fn f64_round_trips_with_shortest_text() {
    assert_eq!(round_trip(0.0f64), n("0"));
    assert_eq!((-0.0f64).encode(), Some(n("0")), "-0.0 is stored as 0");
    assert_eq!(round_trip(1.5f64), n("1.5"));
    assert_eq!(round_trip(-1.5f64), n("-1.5"));
    assert_eq!(round_trip(0.1f64), n("0.1"));
    assert_eq!(round_trip(1e20f64), n("100000000000000000000"));
    assert_eq!(round_trip(1e21f64), n("1e21"));
    assert_eq!(round_trip(1.5e300f64), n("1.5e300"));
    assert_eq!(round_trip(1e-7f64), n("0.0000001"));
    assert_eq!(round_trip(1.25e-8f64), n("1.25e-8"));
    assert_eq!(round_trip(-2.5e-130f64), n("-2.5e-130"));
    round_trip(f64::MAX);
    round_trip(f64::MIN);
    round_trip(f64::MIN_POSITIVE);
    round_trip(f64::EPSILON);
    round_trip(std::f64::consts::PI);
    round_trip(123456789.12345679f64);
    // Numbers written by others, in other forms, and with more digits than f64 keeps.
    assert_eq!(f64::decode(n("1E+2")), Ok(100.0));
    assert_eq!(
        f64::decode(n("12345678901234567890123456789012345678")),
        Ok(1.2345678901234568e37)
    );
}

#[test]
fn f64_non_finite_values() {
    assert_eq!(f64::NAN.encode(), Some(AV::Null(true)));
    assert_eq!(f64::INFINITY.encode(), Some(AV::Null(true)));
    assert_eq!(f64::NEG_INFINITY.encode(), Some(AV::Null(true)));
    assert_eq!(
        f64::decode(AV::Null(true)),
        Err(invalid("NaN or infinite f64 cannot be stored"))
    );
    assert_eq!(f64::decode(n("1e400")), Err(invalid("1e400 is out of range for f64")));
    assert_eq!(f64::decode(n("inf")), Err(invalid("`inf` is not a number")));
    assert_eq!(f64::decode(n("NaN")), Err(invalid("`NaN` is not a number")));
    assert_eq!(f64::decode(s("1")), Err(wrong("N", "S")));
}

#[test]
fn validate_f64_accepts_exactly_what_dynamodb_stores() {
    let largest = f64::from_bits(1e126f64.to_bits() - 1);
    assert_eq!(largest.encode(), Some(n("9.999999999999998e125")));
    for ok in [0.0, -0.0, 1.0, -1.5, 1e-130, -1e-130, largest, -largest, f64::EPSILON] {
        assert_eq!(validate_f64(ok), Ok(()), "{ok}");
    }
    assert_eq!(
        validate_f64(f64::NAN),
        Err("NaN cannot be stored in DynamoDB".to_owned())
    );
    assert_eq!(
        validate_f64(f64::INFINITY),
        Err("inf cannot be stored in DynamoDB".to_owned())
    );
    assert_eq!(
        validate_f64(f64::NEG_INFINITY),
        Err("-inf cannot be stored in DynamoDB".to_owned())
    );
    for bad in [1e126, -1e126, f64::MAX, 9e-131, f64::MIN_POSITIVE, 5e-324] {
        let message = validate_f64(bad).unwrap_err();
        assert!(message.contains("outside DynamoDB's number range"), "{bad}: {message}");
    }
}

#[test]
fn decimals_encode_normalized() {
    assert_eq!(round_trip(Decimal::ZERO), n("0"));
    assert_eq!(Decimal::new(-0, 3).encode(), Some(n("0")));
    assert_eq!(dec("1.500").encode(), Some(n("1.5")));
    assert_eq!(dec("100").encode(), Some(n("100")));
    assert_eq!(dec("-0.010").encode(), Some(n("-0.01")));
    assert_eq!(round_trip(Decimal::MAX), n("79228162514264337593543950335"));
    assert_eq!(round_trip(Decimal::MIN), n("-79228162514264337593543950335"));
    assert_eq!(
        round_trip(dec("0.0000000000000000000000000001")),
        n("0.0000000000000000000000000001")
    );
    assert_eq!(
        round_trip(dec("7.9228162514264337593543950335")),
        n("7.9228162514264337593543950335")
    );
    assert_eq!(round_trip(dec("-123.456")), n("-123.456"));
    // The scale is not kept, the value is: 1.50 reads back as 1.5.
    assert_eq!(Decimal::decode(dec("1.50").encode().unwrap()), Ok(dec("1.5")));
}

#[test]
fn decimals_decode_every_form_dynamodb_accepts() {
    assert_eq!(Decimal::decode(n("1E+2")), Ok(dec("100")));
    assert_eq!(Decimal::decode(n("1.5e-3")), Ok(dec("0.0015")));
    assert_eq!(Decimal::decode(n("-25E-1")), Ok(dec("-2.5")));
    assert_eq!(Decimal::decode(n("1e-28")), Ok(dec("0.0000000000000000000000000001")));
    assert_eq!(Decimal::decode(n("+3")), Ok(dec("3")));
    assert_eq!(Decimal::decode(n("-0E+10")), Ok(Decimal::ZERO));
    assert_eq!(
        Decimal::decode(n("7.9228162514264337593543950335E28")),
        Ok(Decimal::MAX)
    );
}

#[test]
fn decimals_out_of_range_are_errors_not_rounded() {
    for text in [
        "79228162514264337593543950336",
        "-79228162514264337593543950336",
        "1E+29",
        "1e-29",
        "0.00000000000000000000000000001",
        "1.2345678901234567890123456789012345678",
        "12345678901234567890123456789012345678901",
        "1E+125",
        "1e-130",
    ] {
        assert_eq!(
            Decimal::decode(n(text)),
            Err(invalid(&format!("{text} is out of range for decimal"))),
            "{text}"
        );
    }
    assert_eq!(Decimal::decode(n("1..2")), Err(invalid("`1..2` is not a number")));
    assert_eq!(Decimal::decode(AV::Bool(true)), Err(wrong("N", "BOOL")));
}

#[test]
fn timestamps_are_rfc3339_with_nanoseconds() {
    let t = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 58).unwrap() + chrono::Duration::nanoseconds(123_456_789);
    assert_eq!(round_trip(t), s("2024-02-29T23:59:58.123456789Z"));
    let whole = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(round_trip(whole), s("1970-01-01T00:00:00.000000000Z"));
    let one_ns = DateTime::from_timestamp(-1, 999_999_999).unwrap();
    assert_eq!(round_trip(one_ns), s("1969-12-31T23:59:59.999999999Z"));
    round_trip(Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap());
    round_trip(Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::nanoseconds(999_999_999));
    // Beyond RFC 3339's four-digit years, the text is ISO 8601 with a sign.
    assert_eq!(
        round_trip(Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap()),
        s("+10000-01-01T00:00:00.000000000Z")
    );
    round_trip(Utc.with_ymd_and_hms(-1, 6, 1, 0, 0, 0).unwrap());
    round_trip(DateTime::<Utc>::MAX_UTC);
    round_trip(DateTime::<Utc>::MIN_UTC);
}

#[test]
fn timestamps_decode_any_rfc3339_offset() {
    let expected = Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap();
    assert_eq!(DateTime::<Utc>::decode(s("2024-01-01T12:00:00+02:00")), Ok(expected));
    assert_eq!(DateTime::<Utc>::decode(s("2024-01-01t10:00:00z")), Ok(expected));
    assert_eq!(
        DateTime::<Utc>::decode(s("2024-01-01T10:00:00.5Z")),
        Ok(expected + chrono::Duration::milliseconds(500))
    );
    assert_eq!(
        DateTime::<Utc>::decode(s("2024-01-01")),
        Err(invalid("`2024-01-01` is not an RFC 3339 timestamp"))
    );
    assert_eq!(
        DateTime::<Utc>::decode(s("")),
        Err(invalid("`` is not an RFC 3339 timestamp"))
    );
    assert_eq!(DateTime::<Utc>::decode(n("1")), Err(wrong("S", "N")));
}

#[test]
fn epoch_seconds() {
    let t = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(epoch_seconds::encode(&t), n("1893456000"));
    assert_eq!(
        epoch_seconds::encode(&(t + chrono::Duration::milliseconds(999))),
        n("1893456000")
    );
    assert_eq!(epoch_seconds::decode(n("1893456000")), Ok(t));
    assert_eq!(epoch_seconds::decode(n("1.893456E9")), Ok(t));
    assert_eq!(
        epoch_seconds::decode(n("-1")),
        Ok(DateTime::from_timestamp(-1, 0).unwrap())
    );
    assert_eq!(
        epoch_seconds::decode(n("1.5")),
        Err(invalid("1.5 is not an integer, as i64 requires"))
    );
    assert_eq!(
        epoch_seconds::decode(n("9223372036854775807")),
        Err(invalid("9223372036854775807 seconds is out of range for a timestamp"))
    );
    assert_eq!(epoch_seconds::decode(s("1")), Err(wrong("N", "S")));
    assert_eq!(round_trip(EpochSeconds(t)), n("1893456000"));
}

#[test]
fn bytes() {
    assert_eq!(round_trip(Bytes(vec![])), AV::B(Blob::new(vec![])));
    assert_eq!(round_trip(Bytes(vec![0, 1, 255])), AV::B(Blob::new(vec![0, 1, 255])));
    assert_eq!(Bytes::decode(s("AAE=")), Err(wrong("B", "S")));
}

#[test]
fn wrong_types_use_dynamodb_type_letters() {
    let samples: [(AV, &str); 10] = [
        (s("x"), "S"),
        (n("1"), "N"),
        (AV::B(Blob::new(vec![1])), "B"),
        (AV::Bool(true), "BOOL"),
        (AV::Null(true), "NULL"),
        (AV::L(vec![]), "L"),
        (AV::M(HashMap::new()), "M"),
        (AV::Ss(vec!["a".into()]), "SS"),
        (AV::Ns(vec!["1".into()]), "NS"),
        (AV::Bs(vec![Blob::new(vec![1])]), "BS"),
    ];
    for (sample, found) in samples {
        assert_eq!(value::type_name(&sample), found);
        let check = |result: Result<(), ValueError>, expected: &'static str| {
            if expected == found {
                return;
            }
            assert_eq!(
                result,
                Err(wrong(expected, found)),
                "expected {expected}, found {found}"
            );
        };
        check(String::decode(sample.clone()).map(drop), "S");
        check(i32::decode(sample.clone()).map(drop), "N");
        check(u64::decode(sample.clone()).map(drop), "N");
        if found != "NULL" {
            check(f64::decode(sample.clone()).map(drop), "N");
        }
        check(Decimal::decode(sample.clone()).map(drop), "N");
        check(DateTime::<Utc>::decode(sample.clone()).map(drop), "S");
        check(Bytes::decode(sample.clone()).map(drop), "B");
        check(bool::decode(sample.clone()).map(drop), "BOOL");
        check(Vec::<String>::decode(sample.clone()).map(drop), "L");
        check(BTreeMap::<String, String>::decode(sample.clone()).map(drop), "M");
        check(BTreeSet::<String>::decode(sample.clone()).map(drop), "SS");
        check(BTreeSet::<i64>::decode(sample.clone()).map(drop), "NS");
        check(BTreeSet::<Decimal>::decode(sample.clone()).map(drop), "NS");
        check(BTreeSet::<Bytes>::decode(sample.clone()).map(drop), "BS");
        check(decode_map(sample.clone()).map(drop), "M");
        check(decode_enum(sample.clone(), &[("x", 1)]).map(drop), "S");
    }
}

// ---------------------------------------------------------------------------
// Lists and maps

#[test]
fn lists_and_maps() {
    assert_eq!(round_trip(Vec::<String>::new()), AV::L(vec![]));
    assert_eq!(round_trip(BTreeMap::<String, i64>::new()), AV::M(HashMap::new()));
    assert_eq!(round_trip(vec![1i64, -2, 3]), AV::L(vec![n("1"), n("-2"), n("3")]));
    let map: BTreeMap<String, bool> = [("ä b.c".to_owned(), true), (String::new(), false)].into();
    assert_eq!(
        round_trip(map),
        AV::M([("ä b.c".to_owned(), AV::Bool(true)), (String::new(), AV::Bool(false))].into())
    );
    let nested: Vec<BTreeMap<String, Vec<i64>>> = vec![
        BTreeMap::new(),
        [("a".to_owned(), vec![]), ("b".to_owned(), vec![i64::MIN, 0, i64::MAX])].into(),
        [("c".to_owned(), vec![7])].into(),
    ];
    round_trip(nested);
    round_trip(vec![vec![vec![String::from("deep")]], vec![]]);
    round_trip(vec![Some(1).into_iter().collect::<Vec<u32>>()]);
}

#[test]
fn empty_sets_inside_lists_and_maps_are_null() {
    let list = vec![BTreeSet::<String>::new(), ["a".to_owned()].into()];
    assert_eq!(round_trip(list), AV::L(vec![AV::Null(true), AV::Ss(vec!["a".into()])]));
    let map: BTreeMap<String, BTreeSet<i32>> = [("e".to_owned(), BTreeSet::new())].into();
    assert_eq!(round_trip(map), AV::M([("e".to_owned(), AV::Null(true))].into()));
    // NULL is not a value of other element types.
    assert_eq!(
        Vec::<i32>::decode(AV::L(vec![n("1"), AV::Null(true)])),
        Err(wrong("N", "NULL").within("[1]"))
    );
    // Non-finite f64 elements encode to NULL and do not decode.
    let floats = vec![1.0, f64::NAN];
    let encoded = floats.encode().unwrap();
    assert_eq!(encoded, AV::L(vec![n("1"), AV::Null(true)]));
    assert_eq!(
        Vec::<f64>::decode(encoded),
        Err(invalid("NaN or infinite f64 cannot be stored").within("[1]"))
    );
}

#[test]
fn errors_inside_lists_and_maps_carry_their_path() {
    let stored = AV::L(vec![
        AV::M(HashMap::new()),
        AV::M([("x".to_owned(), AV::L(vec![n("1")]))].into()),
        AV::M([("x".to_owned(), AV::L(vec![n("1"), n("2"), n("3000000000")]))].into()),
    ]);
    let error = Vec::<BTreeMap<String, Vec<i32>>>::decode(stored).unwrap_err();
    assert_eq!(error.path, "[2].x[2]");
    assert_eq!(
        error.kind,
        ValueErrorKind::Invalid("3000000000 is out of range for i32".into())
    );
    assert_eq!(error.at("Order", "lines").attribute, "lines[2].x[2]");

    let stored = AV::L(vec![s("a"), s("b"), AV::M([("x".to_owned(), s("1"))].into())]);
    let error = Vec::<BTreeMap<String, i64>>::decode(stored).unwrap_err();
    assert_eq!(error.path, "[0]");
    assert_eq!(
        error.kind,
        ValueErrorKind::WrongType {
            expected: "M",
            found: "S"
        }
    );

    let stored = AV::L(vec![
        AV::M([("x".to_owned(), n("1"))].into()),
        AV::M([("x".to_owned(), n("2"))].into()),
        AV::M([("x".to_owned(), s("3"))].into()),
    ]);
    assert_eq!(
        Vec::<BTreeMap<String, i64>>::decode(stored),
        Err(wrong("N", "S").within("[2].x"))
    );
}

// ---------------------------------------------------------------------------
// Sets

#[test]
fn sets_round_trip() {
    let strings: BTreeSet<String> = ["b", "a", "", "ü"].into_iter().map(String::from).collect();
    let AV::Ss(mut stored) = round_trip(strings) else {
        panic!("SS")
    };
    stored.sort();
    assert_eq!(stored, ["", "a", "b", "ü"]);
    round_trip(BTreeSet::from([i32::MIN, 0, i32::MAX]));
    round_trip(BTreeSet::from([i64::MIN, -1, i64::MAX]));
    round_trip(BTreeSet::from([0u32, u32::MAX]));
    round_trip(BTreeSet::from([0u64, u64::MAX]));
    let decimals = BTreeSet::from([dec("1.50"), Decimal::MAX, Decimal::MIN, dec("-0.001")]);
    let AV::Ns(mut stored) = decimals.encode().unwrap() else {
        panic!("NS")
    };
    stored.sort();
    assert_eq!(
        stored,
        [
            "-0.001",
            "-79228162514264337593543950335",
            "1.5",
            "79228162514264337593543950335"
        ]
    );
    round_trip(decimals);
    round_trip(BTreeSet::from([Bytes(vec![]), Bytes(vec![0]), Bytes(vec![255, 1])]));
}

#[test]
fn empty_sets_are_absent() {
    assert_eq!(BTreeSet::<String>::new().encode(), None);
    assert_eq!(BTreeSet::<i64>::new().encode(), None);
    assert_eq!(BTreeSet::<Decimal>::new().encode(), None);
    assert_eq!(BTreeSet::<Bytes>::new().encode(), None);
    assert_eq!(BTreeSet::<u32>::absent(), Some(BTreeSet::new()));
    assert_eq!(String::absent(), None);
    assert_eq!(Vec::<i32>::absent(), None);

    let mut item = Item::new();
    put(&mut item, "tags", &BTreeSet::<String>::new());
    assert!(item.is_empty());
    assert_eq!(take::<BTreeSet<String>>(&mut item, "tags"), Ok(BTreeSet::new()));
    assert_eq!(take_optional::<BTreeSet<String>>(&mut item, "tags"), Ok(None));
    item.insert("tags".into(), AV::Null(true));
    assert_eq!(take::<BTreeSet<String>>(&mut item, "tags"), Ok(BTreeSet::new()));
}

#[test]
fn set_decoding_merges_duplicates_and_checks_elements() {
    assert_eq!(
        BTreeSet::<i64>::decode(AV::Ns(vec!["1".into(), "1.0".into(), "1E0".into(), "2".into()])),
        Ok(BTreeSet::from([1, 2]))
    );
    assert_eq!(
        BTreeSet::<String>::decode(AV::Ss(vec!["a".into(), "a".into()])),
        Ok(BTreeSet::from(["a".to_owned()]))
    );
    assert_eq!(
        BTreeSet::<Decimal>::decode(AV::Ns(vec!["1.5".into(), "1.50".into()])),
        Ok(BTreeSet::from([dec("1.5")]))
    );
    assert_eq!(
        BTreeSet::<i32>::decode(AV::Ns(vec!["1".into(), "2147483648".into()])),
        Err(invalid("2147483648 is out of range for i32"))
    );
    assert_eq!(
        BTreeSet::<u64>::decode(AV::Ns(vec!["0.5".into()])),
        Err(invalid("0.5 is not an integer, as u64 requires"))
    );
    assert_eq!(
        BTreeSet::<Decimal>::decode(AV::Ns(vec!["1e40".into()])),
        Err(invalid("1e40 is out of range for decimal"))
    );
    assert_eq!(BTreeSet::<i64>::decode(AV::L(vec![])), Err(wrong("NS", "L")));
}

// ---------------------------------------------------------------------------
// Items: take, put, structs, enums

#[test]
fn take_moves_the_attribute_out() {
    let mut item = Item::new();
    put(&mut item, "name", &"Ada".to_owned());
    put(&mut item, "age", &36u32);
    assert_eq!(item.get("name"), Some(&s("Ada")));
    assert_eq!(take::<String>(&mut item, "name"), Ok("Ada".to_owned()));
    assert!(!item.contains_key("name"));
    assert_eq!(take::<String>(&mut item, "name"), Err(ValueError::missing()));
    assert_eq!(take::<String>(&mut item, "age"), Err(wrong("S", "N")));
    assert!(item.is_empty(), "a failed decode still removes the attribute");
    item.insert("x".into(), AV::Null(true));
    assert_eq!(take::<String>(&mut item, "x"), Err(wrong("S", "NULL")));
}

#[test]
fn take_optional_treats_absent_and_null_as_none() {
    let mut item = Item::new();
    put_optional(&mut item, "a", &Some(5i64));
    put_optional::<i64>(&mut item, "b", &None);
    assert!(!item.contains_key("b"));
    item.insert("c".into(), AV::Null(true));
    item.insert("d".into(), s("x"));
    assert_eq!(take_optional::<i64>(&mut item, "a"), Ok(Some(5)));
    assert_eq!(take_optional::<i64>(&mut item, "b"), Ok(None));
    assert_eq!(take_optional::<i64>(&mut item, "c"), Ok(None));
    assert_eq!(take_optional::<i64>(&mut item, "d"), Err(wrong("N", "S")));
    assert!(item.is_empty());
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Status {
    Open,
    Closed,
}

const STATUS: &[(&str, Status)] = &[("OPEN", Status::Open), ("CLOSED", Status::Closed)];

#[derive(Debug, Clone, PartialEq)]
struct Address {
    city: String,
    zip: Option<u32>,
    status: Status,
}

impl AttributeCodec for Address {
    fn encode(&self) -> Option<AV> {
        let mut item = Item::with_capacity(3);
        put(&mut item, "city", &self.city);
        put_optional(&mut item, "zip", &self.zip);
        item.insert(
            "status".into(),
            encode_enum(match self.status {
                Status::Open => "OPEN",
                Status::Closed => "CLOSED",
            }),
        );
        Some(encode_map(item))
    }

    fn decode(value: AV) -> Result<Self, ValueError> {
        let mut item = decode_map(value)?;
        Ok(Address {
            city: take_field(&mut item, "city")?,
            zip: take_optional_field(&mut item, "zip")?,
            status: decode_enum(item.remove("status").ok_or_else(ValueError::missing)?, STATUS)
                .map_err(|e| e.within(".status"))?,
        })
    }
}

#[test]
fn structs_and_enums() {
    let a = Address {
        city: "Zürich".into(),
        zip: Some(8001),
        status: Status::Open,
    };
    assert_eq!(
        round_trip(a.clone()),
        AV::M(
            [
                ("city".into(), s("Zürich")),
                ("zip".into(), n("8001")),
                ("status".into(), s("OPEN"))
            ]
            .into()
        )
    );
    round_trip(vec![
        a.clone(),
        Address {
            zip: None,
            status: Status::Closed,
            ..a
        },
    ]);

    let stored = AV::L(vec![AV::M(
        [
            ("city".into(), s("x")),
            ("zip".into(), s("8001")),
            ("status".into(), s("OPEN")),
        ]
        .into(),
    )]);
    assert_eq!(Vec::<Address>::decode(stored), Err(wrong("N", "S").within("[0].zip")));
    let stored = AV::M([("zip".into(), n("1"))].into());
    assert_eq!(Address::decode(stored), Err(ValueError::missing().within(".city")));
    assert_eq!(
        decode_enum(s("HALF"), STATUS),
        Err(invalid("unknown value `HALF`; expected one of `OPEN`, `CLOSED`"))
    );
    assert_eq!(decode_enum(s("CLOSED"), STATUS), Ok(Status::Closed));
    assert_eq!(encode_enum("OPEN"), s("OPEN"));
}

// ---------------------------------------------------------------------------
// Property tests

fn arb_decimal() -> impl Strategy<Value = Decimal> {
    (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
        .prop_map(|(lo, mid, hi, negative, scale)| Decimal::from_parts(lo, mid, hi, negative, scale))
}

fn arb_timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    let min = DateTime::<Utc>::MIN_UTC.timestamp();
    let max = DateTime::<Utc>::MAX_UTC.timestamp();
    (min..=max, 0u32..1_000_000_000).prop_map(|(s, ns)| DateTime::from_timestamp(s, ns).unwrap())
}

proptest! {
    #[test]
    fn prop_i32(v: i32) { round_trip(v); }
    #[test]
    fn prop_i64(v: i64) { round_trip(v); }
    #[test]
    fn prop_u32(v: u32) { round_trip(v); }
    #[test]
    fn prop_u64(v: u64) { round_trip(v); }
    #[test]
    fn prop_bool(v: bool) { round_trip(v); }
    #[test]
    fn prop_string(v: String) { round_trip(v); }
    #[test]
    fn prop_bytes(v: Vec<u8>) { round_trip(Bytes(v)); }

    #[test]
    fn prop_f64(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
        let encoded = round_trip(v);
        let AV::N(text) = encoded else { panic!("N") };
        let digits = text.split(['e', 'E']).next().unwrap().bytes().filter(u8::is_ascii_digit)
            .skip_while(|&b| b == b'0').count();
        prop_assert!(digits <= 38, "{} has more than 38 digits", text);
        // The longest text: a sign, `0.`, six zeros and 17 digits (plain
        // notation reaches down to 1e-7), 26 characters.
        prop_assert!(text.len() <= 26, "{} is long", text);
    }

    #[test]
    fn prop_f64_in_dynamodb_range_is_valid(mantissa in 1.0f64..10.0, exponent in -130i32..=125, negative: bool) {
        let v = mantissa * 10f64.powi(exponent) * if negative { -1.0 } else { 1.0 };
        if v.abs() >= 1e-130 && v.abs() < 1e126 {
            prop_assert_eq!(validate_f64(v), Ok(()));
        }
    }

    #[test]
    fn prop_decimal(v in arb_decimal()) {
        let decoded = Decimal::decode(v.encode().unwrap()).unwrap();
        prop_assert_eq!(decoded, v);
        prop_assert_eq!(decoded.to_string(), v.normalize().to_string());
    }

    #[test]
    fn prop_decimal_scientific(v in arb_decimal()) {
        // The same value written by another client in exponent form.
        let text = format!("{:e}", v);
        prop_assert_eq!(Decimal::decode(AV::N(text)).unwrap(), v);
    }

    #[test]
    fn prop_timestamp(v in arb_timestamp()) { round_trip(v); }

    #[test]
    fn prop_integer_texts(v: i64, zeros in 0usize..5) {
        // `v` written with trailing fraction zeros, or as mantissa and exponent.
        let fraction = format!("{v}.{}", "0".repeat(zeros));
        prop_assert_eq!(i64::decode(AV::N(fraction)), Ok(v));
        let scientific = format!("{v}0{}E-{}", "0".repeat(zeros), zeros + 1);
        prop_assert_eq!(i64::decode(AV::N(scientific)), Ok(v));
        prop_assert_eq!(i32::decode(AV::N(v.to_string())).ok(), i32::try_from(v).ok());
        prop_assert_eq!(u64::decode(AV::N(v.to_string())).ok(), u64::try_from(v).ok());
    }

    #[test]
    fn prop_nested(v in prop::collection::vec(
        prop::collection::btree_map(".{0,8}", prop::collection::vec(any::<i64>(), 0..6), 0..6),
        0..6,
    )) {
        round_trip(v);
    }
}
