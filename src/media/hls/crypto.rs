//! AES-128-CBC segment decryption (`#EXT-X-KEY:METHOD=AES-128`), streaming:
//! bytes are decrypted as they arrive and only the final block is held back
//! until the end, where its PKCS#7 padding is removed.

use aes::Aes128;
use aes::cipher::generic_array::GenericArray;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};

const BLOCK: usize = 16;

/// The IV of a segment without an explicit one: its media sequence number
/// as a big-endian 128-bit integer (RFC 8216 §5.2).
pub fn sequence_iv(seq: u64) -> [u8; 16] {
    u128::from(seq).to_be_bytes()
}

/// Decrypts one segment body fed in arbitrary chunks.
pub struct CbcStream {
    dec: cbc::Decryptor<Aes128>,
    pending: Vec<u8>,
}

impl std::fmt::Debug for CbcStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CbcStream")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl CbcStream {
    pub fn new(key: &[u8; 16], iv: &[u8; 16]) -> Self {
        Self {
            dec: cbc::Decryptor::<Aes128>::new(key.into(), iv.into()),
            pending: Vec::with_capacity(2 * BLOCK),
        }
    }

    /// Decrypts what can be decrypted, keeping the last block (it may be the
    /// padded final one) and any partial block.
    pub fn update(&mut self, data: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(data);
        if self.pending.len() <= BLOCK {
            return Vec::new();
        }
        let ready = (self.pending.len() - 1) / BLOCK * BLOCK;
        let mut out: Vec<u8> = self.pending.drain(..ready).collect();
        self.decrypt_in_place(&mut out);
        out
    }

    /// The final block without padding. A body that is not a whole number of
    /// blocks, or bad padding, keeps the bytes as they are (a recorder keeps
    /// what it got) and reports `false`.
    pub fn finish(mut self) -> (Vec<u8>, bool) {
        let mut last = std::mem::take(&mut self.pending);
        if last.len() != BLOCK {
            let empty = last.is_empty();
            return (last, empty);
        }
        self.decrypt_in_place(&mut last);
        let pad = usize::from(last[BLOCK - 1]);
        let valid = (1..=BLOCK).contains(&pad)
            && last[BLOCK - pad..].iter().all(|&b| usize::from(b) == pad);
        if valid {
            last.truncate(BLOCK - pad);
        }
        (last, valid)
    }

    fn decrypt_in_place(&mut self, buf: &mut [u8]) {
        for block in buf.chunks_exact_mut(BLOCK) {
            self.dec
                .decrypt_block_mut(GenericArray::from_mut_slice(block));
        }
    }
}
