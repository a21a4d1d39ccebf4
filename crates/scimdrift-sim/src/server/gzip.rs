//! The gzip bomb: a tiny DEFLATE encoder that writes only what a bomb needs.
//!
//! Hand-written rather than `flate2` on purpose: the bomb must be cheap to
//! make at any size (no compressor pass over a GiB of zeros) and its trailer
//! must carry a wrong CRC, which no real encoder writes.

use super::reply::Answer;
use super::state::Settings;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// A gzip member whose DEFLATE data (fixed Huffman codes: one literal zero,
/// then length-258 matches at distance 1) inflates to `bomb_mib` MiB of zero
/// bytes, about 1/160 of that on the wire. The trailer's CRC is not that of
/// the inflated data: a client that inflates everything still ends in an
/// error, after the damage is done.
pub(super) fn bomb(s: &Settings) -> Response {
    let body = Body::from(zeros(s.faults.bomb_mib.saturating_mul(1 << 20)));
    let mut r = Answer::json(StatusCode::OK, String::new()).finish_with(s.profile, body);
    r.headers_mut()
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    r
}

/// A gzip member inflating to `total` zero bytes, with a zero CRC.
fn zeros(total: u64) -> Vec<u8> {
    let mut w = BitWriter {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255],
        acc: 0,
        n: 0,
    };
    w.put(1, 1); // BFINAL
    w.put(1, 2); // BTYPE = fixed Huffman
    let mut left = total;
    if left > 0 {
        w.code(0b0011_0000, 8); // literal 0
        left -= 1;
    }
    while left >= 258 {
        w.code(0b1100_0101, 8); // length code 285 = 258
        w.code(0, 5); // distance code 0 = 1
        left -= 258;
    }
    while left > 0 {
        w.code(0b0011_0000, 8);
        left -= 1;
    }
    w.code(0, 7); // end of block (256)
    if w.n > 0 {
        w.put(0, 8 - w.n);
    }
    let mut out = w.out;
    out.extend_from_slice(&0u32.to_le_bytes()); // CRC32 (deliberately not computed)
    out.extend_from_slice(&((total & 0xffff_ffff) as u32).to_le_bytes());
    out
}

/// Bits written least-significant first, as DEFLATE packs them.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, value: u64, bits: u32) {
        self.acc |= value << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: its bits go most-significant first.
    fn code(&mut self, code: u64, bits: u32) {
        let mut rev = 0;
        for i in 0..bits {
            rev |= ((code >> i) & 1) << (bits - 1 - i);
        }
        self.put(rev, bits);
    }
}
