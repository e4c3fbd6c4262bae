//! A minimal SMTP server for the tests (RFC 5321's happy path: EHLO, MAIL, RCPT, DATA, QUIT),
//! in the test process on a loopback port: it keeps every message it accepts, and can be
//! told to refuse (451) or be stopped, as a real server that is down or busy would.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the server took it.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, as sent (dot-unstuffed).
    pub data: String,
}

impl Mail {
    /// The body, decoded from base64 if it was sent so.
    pub fn text(&self) -> String {
        use base64::Engine as _;
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", &self.data));
        if headers
            .to_ascii_lowercase()
            .contains("content-transfer-encoding: base64")
        {
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .expect("a base64 body");
            String::from_utf8(bytes).expect("a UTF-8 body")
        } else {
            body.to_owned()
        }
    }
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Mail>>>,
    refuse: Arc<AtomicBool>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let port = listener.local_addr().unwrap().port();
        let server = Self {
            port,
            received: Arc::default(),
            refuse: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        server
    }

    pub fn received(&self) -> Vec<Mail> {
        self.received.lock().unwrap().clone()
    }

    /// Answers MAIL with 451 (try again later) while set.
    pub fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 banli-test ESMTP\r\n").await?;
        let mut mail = Mail {
            from: String::new(),
            to: Vec::new(),
            data: String::new(),
        };
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-banli-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO")
                || upper.starts_with("RSET")
                || upper.starts_with("NOOP")
            {
                b"250 OK\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                if self.refuse.load(Ordering::SeqCst) {
                    b"451 4.3.0 try again later\r\n"
                } else {
                    mail.from = line[10..].trim().to_owned();
                    b"250 OK\r\n"
                }
            } else if upper.starts_with("RCPT TO:") {
                mail.to.push(line[8..].trim().to_owned());
                b"250 OK\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push_str("\r\n");
                }
                mail.data = data;
                self.received.lock().unwrap().push(mail.clone());
                b"250 2.0.0 OK queued as T1\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
        Ok(())
    }
}
