//! The small pieces every resource is made of: seeded streams (one ChaCha
//! stream position per resource), ids, timestamps and JSON strings.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

// ChaCha stream ids, one per kind of draw, so adding a draw to one kind never
// shifts another kind's values.
pub(super) const STREAM_GROUP: u64 = 1;
pub(super) const STREAM_USER: u64 = 2;
pub(super) const STREAM_EMBED: u64 = 3;
pub(super) const STREAM_DANGLING: u64 = 4;
/// 32-bit words reserved per resource in its stream.
pub(super) const WORDS_PER_ITEM: u128 = 256;

pub(super) fn rng_at(base: &ChaCha8Rng, stream: u64, index: usize) -> ChaCha8Rng {
    let mut r = base.clone();
    r.set_stream(stream);
    r.set_word_pos(index as u128 * WORDS_PER_ITEM);
    r
}

pub(super) fn uuid(r: &mut ChaCha8Rng) -> String {
    let mut b: [u8; 16] = r.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// An 8-character Omni-style group id (letters, digits, `_`, `-`).
pub(super) fn group_id(r: &mut ChaCha8Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    (0..8)
        .map(|_| char::from(ALPHABET[r.random_range(0..ALPHABET.len())]))
        .collect()
}

/// RFC 3339 UTC text for seconds since the Unix epoch.
pub(super) fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// 2023-01-01T00:00:00Z
pub(super) const EPOCH_2023: i64 = 1_672_531_200;

/// 2026-12-01T00:00:00Z: the day a generated org is "fetched", which its
/// `lastLogin` values are recent or old relative to.
pub(super) const AS_OF: i64 = 1_796_083_200;

const DAY: i64 = 86_400;

/// A `lastLogin` from one draw `x` (≥ 0) of the resource's stream: within
/// `recent_days` before [`AS_OF`] when `recent`, else `old_after_days` to
/// `old_after_days + 500` days before it; never before `created`.
pub(super) fn last_login(
    created: i64,
    x: i64,
    recent: bool,
    recent_days: i64,
    old_after_days: i64,
) -> i64 {
    let at = if recent {
        AS_OF - x.rem_euclid(recent_days * DAY)
    } else {
        AS_OF - old_after_days * DAY - x.rem_euclid(500 * DAY)
    };
    at.max(created + 60)
}

pub(super) fn json_str(out: &mut String, s: &str) {
    // serde_json's escaping of a plain &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(EPOCH_2023), "2023-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
        assert_eq!(timestamp(AS_OF), "2026-12-01T00:00:00Z");
    }

    #[test]
    fn last_logins_are_recent_or_old_and_never_before_creation() {
        let recent = last_login(EPOCH_2023, 5 * DAY + 7, true, 60, 120);
        assert_eq!(timestamp(recent), "2026-11-25T23:59:53Z");
        let old = last_login(EPOCH_2023, DAY, false, 60, 120);
        assert_eq!(timestamp(old), "2026-08-02T00:00:00Z");
        let created = AS_OF - 10 * DAY;
        assert_eq!(last_login(created, 40 * DAY, true, 60, 120), created + 60);
    }
}
