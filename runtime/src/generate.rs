//! Generated defaults: `= uuid()`, `= ulid()` and `= now()` in a schema.
//! A draft (`IssueDraft`) that leaves such an attribute out gets one of
//! these when `put`, `create` or `upsert` writes it.

use std::sync::Mutex;

/// A random UUID (version 4, RFC 9562), lowercase and hyphenated:
/// `0b6f3c8e-5d2a-4f1b-9c3e-2a7d8e9f0a1b`.
pub fn uuid() -> String {
    let mut bytes = random::<16>();
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The last ULID made in this process: its time and randomness, so that
/// the next one in the same millisecond is greater.
static LAST_ULID: Mutex<(u64, u128)> = Mutex::new((0, 0));

/// Crockford's base 32, which ULIDs are written in (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A ULID: 26 characters, 48 bits of milliseconds since the Unix epoch then
/// 80 random bits, in Crockford's base 32. ULIDs sort by the time they were
/// made; two made in the same millisecond by this process sort in the
/// order they were made (the second is the first plus one), so a ULID sort
/// key lists items in creation order.
pub fn ulid() -> String {
    let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let value = {
        let mut last = LAST_ULID.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let random_mask = (1u128 << 80) - 1;
        let (millis, random) = if now > last.0 {
            let bytes = random::<10>();
            (now, bytes.iter().fold(0u128, |acc, b| (acc << 8) | u128::from(*b)))
        } else if last.1 < random_mask {
            // The clock has not moved on (or went back): count up.
            (last.0, last.1 + 1)
        } else {
            (last.0 + 1, 0)
        };
        *last = (millis, random);
        (u128::from(millis) << 80) | (random & random_mask)
    };
    (0..26)
        .map(|i| {
            let shift = 125 - 5 * i;
            char::from(CROCKFORD[usize::try_from((value >> shift) & 31).unwrap_or(0)])
        })
        .collect()
}

/// The time of the write, as `now()` defaults and `timestamps` take it.
pub fn now() -> crate::Timestamp {
    chrono::Utc::now()
}

/// `N` bytes from the operating system's random source. Without one (it
/// never fails on the platforms the SDK runs on) a clock-seeded generator
/// stands in, rather than failing a write.
fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() {
        let mut rng = fastrand::Rng::new();
        rng.fill(&mut bytes);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let a = uuid();
        let b = uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('4'), "{a}");
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{a}");
        assert!(a
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn ulids_sort_in_the_order_they_were_made() {
        let made: Vec<String> = (0..2000).map(|_| ulid()).collect();
        let mut sorted = made.clone();
        sorted.sort();
        assert_eq!(made, sorted, "made within the same milliseconds, still in order");
        let distinct: std::collections::BTreeSet<&String> = made.iter().collect();
        assert_eq!(distinct.len(), made.len());
        assert!(made
            .iter()
            .all(|u| u.len() == 26 && u.bytes().all(|b| CROCKFORD.contains(&b))));
        // The first ten characters are the time: now, give or take a second.
        let millis = made[0][..10].bytes().fold(0u64, |acc, b| {
            acc * 32 + CROCKFORD.iter().position(|c| *c == b).unwrap() as u64
        });
        let now = chrono::Utc::now().timestamp_millis() as u64;
        assert!(now.abs_diff(millis) < 1000, "{millis} vs {now}");
    }
}
