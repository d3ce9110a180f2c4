//! Keys as bytes that sort the way the keys do.
//!
//! A storage engine that compares keys as plain bytes (PostgreSQL's `bytea`, a byte-keyed redb table) scans
//! ranges in the same order as typed redb tables did only if every key is written so that comparing its
//! bytes compares the key. Integers are written big-endian. Text and byte strings write 0x00 as 0x00 0x01
//! and end with 0x00 0x00: a string then sorts before every longer string it starts, whatever follows it in
//! a tuple (a single 0x00 at the end would not do: a tuple's next part may start with 0xFF). A tuple is its
//! parts one after another. These are the key types Sodan's tables use.

/// A key that can be written as order-preserving bytes and read back.
pub trait OrderedKey: Sized {
    /// Appends the key's bytes to `out`.
    fn put(&self, out: &mut Vec<u8>);

    /// Reads a key from the front of `input` and advances past it; `None` when the bytes hold no such key.
    fn take(input: &mut &[u8]) -> Option<Self>;

    /// The key's bytes.
    fn to_ordered(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.put(&mut out);
        out
    }

    /// The key that `bytes` hold, all of them; `None` for anything else.
    fn from_ordered(mut bytes: &[u8]) -> Option<Self> {
        let key = Self::take(&mut bytes)?;
        bytes.is_empty().then_some(key)
    }
}

impl OrderedKey for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }

    fn take(input: &mut &[u8]) -> Option<u64> {
        let (head, rest) = input.split_first_chunk::<8>()?;
        *input = rest;
        Some(u64::from_be_bytes(*head))
    }
}

/// A digest (SHA-256 of a token, of a text): its 32 bytes as they are, which sort as they compare.
impl OrderedKey for [u8; 32] {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }

    fn take(input: &mut &[u8]) -> Option<[u8; 32]> {
        let (head, rest) = input.split_first_chunk::<32>()?;
        *input = rest;
        Some(*head)
    }
}

/// A byte string with 0x00 written as 0x00 0x01, then the end mark 0x00 0x00.
fn put_escaped(bytes: &[u8], out: &mut Vec<u8>) {
    for &byte in bytes {
        out.push(byte);
        if byte == 0 {
            out.push(1);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

impl OrderedKey for Vec<u8> {
    fn put(&self, out: &mut Vec<u8>) {
        put_escaped(self, out);
    }

    fn take(input: &mut &[u8]) -> Option<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut rest = *input;
        loop {
            let (&byte, after) = rest.split_first()?;
            rest = after;
            if byte != 0 {
                bytes.push(byte);
                continue;
            }
            let (&escape, after) = rest.split_first()?;
            rest = after;
            match escape {
                0 => break,
                1 => bytes.push(0),
                _ => return None,
            }
        }
        *input = rest;
        Some(bytes)
    }
}

impl OrderedKey for String {
    fn put(&self, out: &mut Vec<u8>) {
        // UTF-8 keeps code point order, which is how `str` compares.
        put_escaped(self.as_bytes(), out);
    }

    fn take(input: &mut &[u8]) -> Option<String> {
        let mut rest = *input;
        let text = String::from_utf8(Vec::<u8>::take(&mut rest)?).ok()?;
        *input = rest;
        Some(text)
    }
}

impl<A: OrderedKey, B: OrderedKey> OrderedKey for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }

    fn take(input: &mut &[u8]) -> Option<(A, B)> {
        let mut rest = *input;
        let key = (A::take(&mut rest)?, B::take(&mut rest)?);
        *input = rest;
        Some(key)
    }
}

impl<A: OrderedKey, B: OrderedKey, C: OrderedKey> OrderedKey for (A, B, C) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
        self.2.put(out);
    }

    fn take(input: &mut &[u8]) -> Option<(A, B, C)> {
        let mut rest = *input;
        let key = (
            A::take(&mut rest)?,
            B::take(&mut rest)?,
            C::take(&mut rest)?,
        );
        *input = rest;
        Some(key)
    }
}

#[cfg(test)]
mod tests;
