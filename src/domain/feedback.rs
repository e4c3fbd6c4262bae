//! Public feedback: the lookup code (查询码) a submitter gets to follow it up.

use rand::Rng;

/// Letters and digits that cannot be mistaken for each other when read aloud or copied
/// by hand (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Length of a lookup code: 31^12 ≈ 8·10^17 codes, so guessing one is hopeless.
pub const LOOKUP_CODE_LEN: usize = 12;

/// A fresh random lookup code.
pub fn lookup_code(rng: &mut impl Rng) -> String {
    (0..LOOKUP_CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let mut rng = rand::rng();
        for _ in 0..100 {
            let code = lookup_code(&mut rng);
            assert_eq!(code.len(), LOOKUP_CODE_LEN);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        }
    }
}
