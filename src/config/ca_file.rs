//! Extra trusted CA certificates from a PEM file (`ca_file` of an email
//! channel): read and checked once at config load, so a missing, unreadable
//! or non-PEM file is a config error naming its key rather than a TLS
//! failure at the first delivery.

use std::path::Path;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The largest CA file read (a bundle of a few hundred roots is ~250 KiB).
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Reads `path` and returns its PEM text after checking that it holds at
/// least one well-formed certificate; the message says what is wrong.
pub fn load(path: &Path) -> Result<Vec<u8>, String> {
    if !path.is_absolute() {
        return Err(format!(
            "`{}` is a relative path; use an absolute path (a relative one would depend on \
             the folder srec is started from)",
            path.display()
        ));
    }
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "`{}` is larger than {MAX_BYTES} bytes; not a CA file",
            path.display()
        ));
    }
    let pem = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`{}` is not valid PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "`{}` holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
            path.display()
        ));
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::load;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_pem_certificate_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ca.pem");
        std::fs::write(&p, CERT).unwrap();
        assert_eq!(load(&p).unwrap(), CERT.as_bytes());
    }

    #[test]
    fn missing_relative_and_non_pem_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        assert!(load(&missing).unwrap_err().contains("cannot read"));
        assert!(
            load(std::path::Path::new("ca.pem"))
                .unwrap_err()
                .contains("relative")
        );
        let text = dir.path().join("text.pem");
        std::fs::write(&text, "hello, not a certificate\n").unwrap();
        assert!(load(&text).unwrap_err().contains("no PEM certificate"));
        let key = dir.path().join("key.pem");
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        assert!(load(&key).unwrap_err().contains("no PEM certificate"));
        let broken = dir.path().join("broken.pem");
        std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nMAA=\n").unwrap();
        assert!(load(&broken).is_err());
    }
}
