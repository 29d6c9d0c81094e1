//! Why an HLS recording stopped, and how that maps onto the engine contract.

use std::path::PathBuf;
use std::time::Duration;

use crate::net::NetError;

/// Errors of the HLS recorder.
#[derive(Debug, thiserror::Error)]
pub enum HlsError {
    #[error(transparent)]
    Net(#[from] NetError),
    /// The playlist text could not be used (parse error, bad URI).
    #[error("invalid playlist {url}: {reason}")]
    Playlist { url: String, reason: String },
    #[error("master playlist {0} offers no playable variant")]
    NoVariant(String),
    /// DRM (SAMPLE-AES, key formats other than `identity`) and the like.
    #[error("unsupported HLS stream: {0}")]
    Unsupported(String),
    /// The live playlist showed no new segment for this long.
    #[error("no new segment for {0:?}")]
    Stalled(Duration),
    #[error("invalid AES-128 key from {0}")]
    BadKey(String),
    /// `#EXT-X-GAP`: the server says this segment does not exist.
    #[error("segment {0} is marked as a gap")]
    Gap(u64),
    /// The playlist was renumbered before the segment's download was
    /// answered; its media is listed again under the new number.
    #[error("segment {0} was renumbered by a playlist reset")]
    Superseded(u64),
    #[error("no space left on device while writing {}", path.display())]
    DiskFull { path: PathBuf },
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

impl HlsError {
    /// Builds the right variant for a failed file operation.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::StorageFull {
            Self::DiskFull {
                path: path.to_path_buf(),
            }
        } else {
            Self::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}
