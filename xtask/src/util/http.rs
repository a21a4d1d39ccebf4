//! A minimal blocking HTTP/1.1 client for loopback servers the tasks start
//! themselves (one request per connection), so xtask needs no HTTP
//! dependency.

use anyhow::{Context as _, Result, bail, ensure};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A server's answer.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Sends one request with a bearer token (and a SCIM JSON body, if any) and
/// reads the whole answer.
pub fn request(
    addr: SocketAddr,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let payload = body.unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: application/scim+json\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8(raw).context("non-UTF-8 answer")?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("answer without a header end")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("answer without a status")?;
    let chunked = head
        .to_ascii_lowercase()
        .contains("\r\ntransfer-encoding: chunked");
    let body = if chunked {
        unchunk(body)?
    } else {
        body.to_owned()
    };
    Ok(Response { status, body })
}

/// The body of a `Transfer-Encoding: chunked` answer.
fn unchunk(mut rest: &str) -> Result<String> {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").context("truncated chunk size")?;
        let size = size.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).with_context(|| format!("bad chunk size `{size}`"))?;
        if size == 0 {
            return Ok(body);
        }
        let (Some(chunk), Some(next)) = (after.get(..size), after.get(size..)) else {
            bail!("truncated chunk");
        };
        body.push_str(chunk);
        rest = next.strip_prefix("\r\n").context("chunk without its end")?;
        ensure!(!rest.is_empty(), "chunked answer without its last chunk");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serves one canned answer on loopback; returns the address and the
    /// thread that yields the request it read.
    fn serve(answer: &'static str) -> (SocketAddr, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.ends_with(b"{}") {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8(request).unwrap()
        });
        (addr, thread)
    }

    #[test]
    fn reads_a_sized_answer() {
        let (addr, server) = serve("HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
        let answer = request(addr, "tok", "POST", "/Users", Some("{}")).unwrap();
        assert_eq!((answer.status, answer.body.as_str()), (201, "{\"a\":1}"));
        let sent = server.join().unwrap();
        assert!(sent.starts_with("POST /Users HTTP/1.1\r\n"), "{sent}");
        assert!(sent.contains("\r\nAuthorization: Bearer tok\r\n"), "{sent}");
        assert!(
            sent.ends_with("\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"),
            "{sent}"
        );
    }

    #[test]
    fn reads_a_chunked_answer() {
        let (addr, server) = serve(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n",
        );
        let answer = request(addr, "tok", "POST", "/x", Some("{}")).unwrap();
        assert_eq!((answer.status, answer.body.as_str()), (200, "{\"a\":1}"));
        server.join().unwrap();
    }

    #[test]
    fn broken_chunks_are_errors() {
        assert!(unchunk("zz\r\n").is_err());
        assert!(unchunk("10\r\nshort\r\n").is_err());
        assert!(unchunk("2\r\nab").is_err());
    }
}
