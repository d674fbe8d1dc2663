//! Item sizes by DynamoDB's documented rules (`dyngen_runtime::size`).

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue as AV;
use dyngen_runtime::size::{check_item_size, item_size, number_size, value_size, MAX_ITEM_SIZE};
use dyngen_runtime::{aws_sdk_dynamodb, Error, Item};

fn item<const N: usize>(attributes: [(&str, AV); N]) -> Item {
    attributes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn n(text: &str) -> AV {
    AV::N(text.to_owned())
}

fn s(text: &str) -> AV {
    AV::S(text.to_owned())
}

#[test]
fn empty_item() {
    assert_eq!(item_size(&Item::new()), 0);
}

#[test]
fn strings_count_utf8_bytes_of_name_and_value() {
    assert_eq!(item_size(&item([("name", s("Ada"))])), 4 + 3);
    assert_eq!(item_size(&item([("e", s(""))])), 1);
    // "ü" is 2 bytes, "😀" 4, "名前" 6.
    assert_eq!(item_size(&item([("名前", s("ü😀"))])), 6 + 6);
}

#[test]
fn numbers_count_significant_digits() {
    // (digits + 1) / 2 + 1
    let cases = [
        ("0", 1),
        ("-0", 1),
        ("0.000", 1),
        ("1", 2),
        ("12", 2),
        ("123", 3),
        ("12345", 4),
        ("-1.5", 2),
        ("100", 2), // trailing zeros are not significant
        ("1000000", 2),
        ("0.001", 2), // nor are leading ones
        ("10.01", 3), // zeros between digits are
        ("1E+10", 2), // the exponent is not a digit
        ("1.25e-8", 3),
        ("18446744073709551615", 11),
        ("-9223372036854775808", 11),
        ("79228162514264337593543950335", 16),
        ("12345678901234567890123456789012345678", 20),
        ("0.0000000000000000000000000001", 2),
    ];
    for (text, size) in cases {
        assert_eq!(number_size(text), size, "{text}");
        assert_eq!(value_size(&n(text)), size, "{text}");
    }
    assert_eq!(
        item_size(&item([("qty", n("12345")), ("delta", n("-1.5"))])),
        (3 + 4) + (5 + 2)
    );
}

#[test]
fn binary_bool_and_null() {
    assert_eq!(item_size(&item([("b", AV::B(Blob::new(vec![0u8; 10])))])), 1 + 10);
    assert_eq!(
        item_size(&item([("ok", AV::Bool(true)), ("none", AV::Null(true))])),
        (2 + 1) + (4 + 1)
    );
}

#[test]
fn lists_and_maps_have_overhead() {
    assert_eq!(item_size(&item([("l", AV::L(vec![]))])), 1 + 3);
    assert_eq!(item_size(&item([("m", AV::M(Default::default()))])), 1 + 3);
    // 3 + (1 + 3) + (1 + 2) + (1 + 1)
    let list = AV::L(vec![s("abc"), n("12"), AV::Bool(false)]);
    assert_eq!(value_size(&list), 12);
    assert_eq!(item_size(&item([("tags", list)])), 4 + 12);
    // 3 + (1 + 4 + 4) + (1 + 3 + 2)
    let map = AV::M([("city".to_owned(), s("Bern")), ("zip".to_owned(), n("3000"))].into());
    assert_eq!(value_size(&map), 18);
}

#[test]
fn nested_documents() {
    // lines: [ { sku: "A-1", qty: 2 }, { sku: "B", qty: 10, tags: [] } ]
    let line1 = AV::M([("sku".to_owned(), s("A-1")), ("qty".to_owned(), n("2"))].into());
    // 3 + (1 + 3 + 3) + (1 + 3 + 2) = 16
    assert_eq!(value_size(&line1), 16);
    let line2 = AV::M(
        [
            ("sku".to_owned(), s("B")),
            ("qty".to_owned(), n("10")),
            ("tags".to_owned(), AV::L(vec![])),
        ]
        .into(),
    );
    // 3 + (1 + 3 + 1) + (1 + 3 + 2) + (1 + 4 + 3) = 22
    assert_eq!(value_size(&line2), 22);
    // 3 + (1 + 16) + (1 + 22) = 43
    let lines = AV::L(vec![line1, line2]);
    assert_eq!(value_size(&lines), 43);
    let it = item([("pk", s("ORDER#1")), ("lines", lines), ("total", n("-12.50"))]);
    // (2 + 7) + (5 + 43) + (5 + 3): "-12.50" has three significant digits
    assert_eq!(item_size(&it), 9 + 48 + 8);
}

#[test]
fn sets_sum_their_elements() {
    assert_eq!(
        value_size(&AV::Ss(vec!["a".into(), "bcd".into(), "é".into()])),
        1 + 3 + 2
    );
    assert_eq!(
        value_size(&AV::Ns(vec!["0".into(), "12345".into(), "-1.5".into()])),
        1 + 4 + 2
    );
    assert_eq!(value_size(&AV::Bs(vec![Blob::new(vec![1, 2]), Blob::new(vec![])])), 2);
    assert_eq!(item_size(&item([("ss", AV::Ss(vec!["xy".into()]))])), 2 + 2);
}

#[test]
fn the_400_kb_boundary() {
    assert_eq!(MAX_ITEM_SIZE, 409_600);
    // "pk" + "data": 6 bytes of names, the rest is the string.
    let exactly = item([("pk", s("k")), ("data", s(&"x".repeat(MAX_ITEM_SIZE - 7)))]);
    assert_eq!(item_size(&exactly), MAX_ITEM_SIZE);
    assert_eq!(check_item_size("Blob", &exactly).unwrap(), MAX_ITEM_SIZE);

    let over = item([("pk", s("k")), ("data", s(&"x".repeat(MAX_ITEM_SIZE - 6)))]);
    match check_item_size("Blob", &over) {
        Err(Error::ItemTooLarge { entity, size, max }) => {
            assert_eq!((entity, size, max), ("Blob", MAX_ITEM_SIZE + 1, MAX_ITEM_SIZE));
        }
        other => panic!("expected ItemTooLarge, got {other:?}"),
    }
    let message = check_item_size("Blob", &over).unwrap_err().to_string();
    assert_eq!(message, "Blob: item is 409601 bytes; DynamoDB allows 409600");

    // Overhead counts toward the limit too: a list of one binary element.
    let payload = MAX_ITEM_SIZE - 1 - 3 - 1;
    let listed = item([("l", AV::L(vec![AV::B(Blob::new(vec![0u8; payload]))]))]);
    assert_eq!(check_item_size("Blob", &listed).unwrap(), MAX_ITEM_SIZE);
    let listed = item([("l", AV::L(vec![AV::B(Blob::new(vec![0u8; payload + 1]))]))]);
    assert!(matches!(
        check_item_size("Blob", &listed),
        Err(Error::ItemTooLarge { size: 409_601, .. })
    ));
}
