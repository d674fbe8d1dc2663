//! How batch requests retry what DynamoDB left unprocessed: exponential
//! backoff with full jitter (each wait is random between zero and a doubling
//! cap), for a bounded number of attempts.

use std::time::Duration;

/// When and how often a batch request is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per chunk at most, the first included. What is still
    /// unprocessed after the last one is returned as a leftover.
    pub max_attempts: u32,
    /// The cap of the first wait; each further wait's cap doubles.
    pub base_delay: Duration,
    /// No wait is longer.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts; waits capped at 50 ms, 100 ms, … up to 5 s (at most
    /// about 6 s in all, 3 s on average).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt: nothing is retried.
    pub const NO_RETRIES: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The wait before attempt `retry + 1` (`retry` ≥ 1): random in
    /// `0..=min(max_delay, base_delay × 2^(retry − 1))`.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1_u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        let cap = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_jittered_below_a_doubling_cap() {
        let policy = RetryPolicy::default();
        for retry in 1..=12 {
            let cap = (Duration::from_millis(50) * 2_u32.pow(retry - 1)).min(Duration::from_secs(5));
            for _ in 0..100 {
                assert!(policy.delay(retry) <= cap, "retry {retry}");
            }
        }
        // Full jitter: waits spread over the whole range, not near the cap.
        let waits: Vec<Duration> = (0..1000).map(|_| policy.delay(4)).collect();
        assert!(waits.iter().any(|w| *w < Duration::from_millis(100)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(300)));
        assert_eq!(RetryPolicy::NO_RETRIES.delay(1), Duration::ZERO);
        // Huge retry numbers neither overflow nor exceed the cap.
        assert!(policy.delay(u32::MAX) <= Duration::from_secs(5));
    }
}
