//! A private temporary file holding an external tool's secret options
//! (cookies, credential headers, proxy passwords), so they stay off the
//! command line that every local user can read through `ps` or
//! `/proc/PID/cmdline`. Created 0600 in the temp folder, removed on drop
//! (when the download ends).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Removes the file when dropped.
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    /// Writes `text` to a new 0600 file named after `tag` in the temp folder.
    pub fn create(tag: &str, text: &str) -> std::io::Result<Self> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        // An unpredictable name, created exclusively: never through a file
        // or symlink another user placed in the shared temp folder.
        let nonce: u64 = rand::random();
        let path = std::env::temp_dir().join(format!(
            "srec-{tag}-{}-{seq}-{nonce:016x}.conf",
            std::process::id()
        ));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(&path)?;
        let file = Self { path };
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        Ok(file)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_removed_on_drop() {
        let f = SecretFile::create("test", "http-cookie=a=1\n").unwrap();
        let p = f.path().to_path_buf();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "http-cookie=a=1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        drop(f);
        assert!(!p.exists());
    }
}
