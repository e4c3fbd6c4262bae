//! Parsed GraphQL documents, kept by their text.
//!
//! Front-ends send the same few documents all day with different variables, so each text
//! is parsed once and every later request gets a copy of its document (copying the tree
//! costs a fraction of parsing it again). Only parsing is kept: validation, the limits of
//! [`super::limits`] and the coercion of variables run on every request as before, because
//! what they decide depends on the variables (`first: $first` sets a list's cost).
//!
//! - The key is the whole text, compared in full, so no text can ever be answered with
//!   another text's document (a hash alone could be made to collide).
//! - Bounded: at most [`ENTRIES`] documents and [`BUDGET_BYTES`] of text, least recently
//!   used first out; texts longer than [`MAX_TEXT`] and texts that do not parse are not
//!   kept, so no stream of requests can grow it past its bounds.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// Most documents kept.
pub const ENTRIES: usize = 512;
/// Most bytes of document text kept, over all entries (their parsed trees are a small
/// multiple of it).
pub const BUDGET_BYTES: usize = 1024 * 1024;
/// Longest text kept: front-ends' documents are a few kilobytes; longer ones are parsed
/// every time.
pub const MAX_TEXT: usize = 16 * 1024;

pub struct Documents {
    inner: Mutex<Inner>,
}

struct Inner {
    lru: LruCache<Box<str>, Arc<ExecutableDocument>>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                lru: LruCache::new(NonZeroUsize::new(ENTRIES).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }
}

/// How the cache has been used, for tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentStats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
}

impl Documents {
    /// The document `text` parses to: a copy of the kept one, or parsed now (and kept when
    /// it is short enough).
    pub fn parse(&self, text: &str) -> async_graphql::parser::Result<ExecutableDocument> {
        if let Some(found) = self.lookup(text) {
            return Ok(ExecutableDocument::clone(&found));
        }
        let document = async_graphql::parser::parse_query(text)?;
        if text.len() <= MAX_TEXT {
            self.keep(text, Arc::new(document.clone()));
        }
        Ok(document)
    }

    pub fn stats(&self) -> DocumentStats {
        let inner = self.lock();
        DocumentStats {
            entries: inner.lru.len(),
            bytes: inner.bytes,
            hits: inner.hits,
            misses: inner.misses,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lookup(&self, text: &str) -> Option<Arc<ExecutableDocument>> {
        let mut inner = self.lock();
        let found = inner.lru.get(text).cloned();
        if found.is_some() {
            inner.hits += 1;
        } else {
            inner.misses += 1;
        }
        found
    }

    fn keep(&self, text: &str, document: Arc<ExecutableDocument>) {
        let mut inner = self.lock();
        if let Some((old, _)) = inner.lru.push(text.into(), document) {
            // Either the same text kept by a concurrent request, or the entry the
            // capacity pushed out.
            inner.bytes -= old.len();
        }
        inner.bytes += text.len();
        while inner.bytes > BUDGET_BYTES {
            match inner.lru.pop_lru() {
                Some((old, _)) => inner.bytes -= old.len(),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_copies_are_answered() {
        let documents = Documents::default();
        let text = "query Q($id: ID!) { node(id: $id) { id } }";
        let first = documents.parse(text).unwrap();
        let second = documents.parse(text).unwrap();
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        let stats = documents.stats();
        assert_eq!((stats.entries, stats.hits, stats.misses), (1, 1, 1));
        assert_eq!(stats.bytes, text.len());
    }

    #[test]
    fn texts_that_do_not_parse_or_are_too_long_are_not_kept() {
        let documents = Documents::default();
        assert!(documents.parse("query {").is_err());
        let long = format!("{{ a }}{}", " ".repeat(MAX_TEXT));
        assert!(documents.parse(&long).is_ok());
        assert_eq!(documents.stats().entries, 0);
    }

    #[test]
    fn the_byte_budget_and_the_entry_count_bound_it() {
        let documents = Documents::default();
        // Distinct texts of about 8 KiB each: the byte budget holds 128 of them.
        let padding = " ".repeat(8 * 1024);
        for i in 0..300 {
            documents.parse(&format!("{{ f{i} }}{padding}")).unwrap();
        }
        let stats = documents.stats();
        assert!(stats.bytes <= BUDGET_BYTES, "{stats:?}");
        assert!(stats.entries >= 100 && stats.entries <= 128, "{stats:?}");
        // Short texts: the entry count holds.
        let documents = Documents::default();
        for i in 0..(ENTRIES + 50) {
            documents.parse(&format!("{{ f{i} }}")).unwrap();
        }
        assert_eq!(documents.stats().entries, ENTRIES);
        // The most recent are kept, the oldest went first.
        documents
            .parse(&format!("{{ f{} }}", ENTRIES + 49))
            .unwrap();
        assert_eq!(documents.stats().hits, 1);
        documents.parse("{ f0 }").unwrap();
        assert_eq!(documents.stats().hits, 1);
    }
}
