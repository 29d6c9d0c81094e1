//! mesio: srec's in-process recording engine (no child process). FLV runs
//! through [`crate::media::flv`]; HLS through `crate::media::hls`.

pub mod flv;

use crate::config::EngineKind;
use crate::download::engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
use crate::platform::StreamFormat;

/// The mesio engine.
#[derive(Debug, Clone, Default)]
pub struct MesioEngine {
    pub flv: flv::FlvOptions,
}

impl Engine for MesioEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Mesio
    }

    fn start(
        &self,
        req: DownloadRequest,
        events: EventSink,
    ) -> Result<DownloadHandle, EngineError> {
        let http = crate::platform::http::build(&req.config).map_err(EngineError::Unsupported)?;
        match req.stream.format {
            StreamFormat::Flv => flv::start(req, events, http, self.flv),
            StreamFormat::Hls => Err(EngineError::Unsupported(
                "mesio HLS lands with the HLS pipeline".into(),
            )),
        }
    }
}
