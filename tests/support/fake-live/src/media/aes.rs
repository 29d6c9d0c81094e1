//! HLS `METHOD=AES-128` segment encryption: AES-128-CBC with PKCS#7 padding
//! over the whole segment (RFC 8216 section 4.3.2.4).

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};

type Encryptor = cbc::Encryptor<aes::Aes128>;

/// Encrypts a whole segment the way an HLS packager does.
pub fn encrypt(key: &[u8; 16], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    Encryptor::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain)
}

/// The IV a client must use when the playlist gives none: the segment's
/// media sequence number as a 128-bit big-endian integer.
pub fn iv_for_sequence(seq: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[8..].copy_from_slice(&seq.to_be_bytes());
    iv
}

/// `0x`-prefixed hex, the form of the `IV` attribute in `#EXT-X-KEY`.
pub fn iv_attribute(iv: &[u8; 16]) -> String {
    let mut s = String::from("0x");
    for b in iv {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::{BlockDecryptMut, block_padding::Pkcs7};

    type Decryptor = cbc::Decryptor<aes::Aes128>;

    #[test]
    fn round_trips_and_pads_to_block_size() {
        let key = [7u8; 16];
        let iv = iv_for_sequence(42);
        let plain = vec![0x47u8; 188 * 3];
        let enc = encrypt(&key, &iv, &plain);
        assert_eq!(enc.len(), (plain.len() / 16 + 1) * 16);
        assert_ne!(&enc[..16], &plain[..16]);
        let dec = Decryptor::new((&key).into(), (&iv).into())
            .decrypt_padded_vec_mut::<Pkcs7>(&enc)
            .expect("valid padding");
        assert_eq!(dec, plain);
    }

    #[test]
    fn default_iv_is_big_endian_sequence() {
        let iv = iv_for_sequence(0x0102);
        assert_eq!(iv[14..], [1, 2]);
        assert!(iv[..14].iter().all(|&b| b == 0));
        assert_eq!(iv_attribute(&iv), format!("0x{}0102", "0".repeat(28)));
    }

    /// Known-answer test from NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt, block 1).
    #[test]
    fn matches_nist_vector() {
        let key: [u8; 16] = [
            0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf,
            0x4f, 0x3c,
        ];
        let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
        let plain: [u8; 16] = [
            0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93,
            0x17, 0x2a,
        ];
        let enc = encrypt(&key, &iv, &plain);
        assert_eq!(
            enc[..16],
            [
                0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46, 0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9,
                0x19, 0x7d
            ]
        );
    }
}
