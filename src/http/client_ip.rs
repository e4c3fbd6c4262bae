//! The client's address: the TCP peer, unless the peer is a trusted reverse proxy, in which
//! case the nearest untrusted address it reports in `X-Forwarded-For`. Every proxy appends
//! the address it received the request from, so the header is read from the right; the
//! left part is whatever the client wrote and is never believed.

use std::net::IpAddr;

use ipnet::IpNet;

/// The address to count a client's requests under.
pub fn resolve<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if !is_trusted(&client) {
        return Some(client);
    }
    // Several headers count as one list, in order.
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|header| header.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // A hop a trusted proxy could not have written: stop at the last good one.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    hop.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let cases: &[(&str, &[&str], &str)] = &[
            // An untrusted peer: the header is ignored, whatever it says.
            ("203.0.113.9", &["1.1.1.1"], "203.0.113.9"),
            ("203.0.113.9", &[], "203.0.113.9"),
            // A trusted proxy: the nearest untrusted hop.
            ("10.0.0.2", &["198.51.100.7"], "198.51.100.7"),
            ("10.0.0.2", &["6.6.6.6, 198.51.100.7"], "198.51.100.7"),
            (
                "10.0.0.2",
                &["6.6.6.6, 198.51.100.7, 10.0.0.3"],
                "198.51.100.7",
            ),
            ("10.0.0.2", &["6.6.6.6", "198.51.100.7"], "198.51.100.7"),
            ("10.0.0.2", &["198.51.100.7:5123"], "198.51.100.7"),
            ("10.0.0.2", &["[2001:db8::7]:443"], "2001:db8::7"),
            ("10.0.0.2", &["2001:db8::7"], "2001:db8::7"),
            // Garbage or nothing from a trusted proxy: the last address known.
            ("10.0.0.2", &["not-an-ip"], "10.0.0.2"),
            ("10.0.0.2", &["6.6.6.6, garbage, 10.0.0.3"], "10.0.0.3"),
            ("10.0.0.2", &[], "10.0.0.2"),
            // Every hop trusted: the leftmost.
            ("127.0.0.1", &["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        ];
        for (peer, headers, expected) in cases {
            let got = resolve(Some(ip(peer)), headers.iter().copied(), &trusted);
            assert_eq!(got, Some(ip(expected)), "{peer} {headers:?}");
        }
        assert_eq!(resolve(None, ["1.1.1.1"], &trusted), None);
        assert_eq!(
            resolve(Some(ip("127.0.0.1")), ["1.1.1.1"], &[]),
            Some(ip("127.0.0.1"))
        );
    }
}
