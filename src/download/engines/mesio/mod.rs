//! mesio, srec's in-process engine: HLS through [`crate::media::hls`], FLV
//! through [`crate::media::flv`] ([`flv`]). Runs as tokio tasks, reports
//! through the [`EventSink`], and on stop closes the current file cleanly.

pub mod flv;
mod flv_writer;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::{EngineKind, OutputFormat};
use crate::download::engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
use crate::download::shards::Spawner;
use crate::events::DownloadEventKind;
use crate::media::hls::{FileSink, HlsOptions, HlsRecorder, Outcome};
use crate::net::HttpClient;
use crate::platform::StreamFormat;

#[cfg(test)]
mod tests;

/// The in-process engine.
#[derive(Debug, Clone, Default)]
pub struct MesioEngine {
    /// Overrides for HLS recordings (tests shorten timeouts); `None` derives
    /// everything from each request's config.
    hls: Option<HlsOptions>,
    /// Tunables of the FLV path (memory cap, stall timeout).
    pub flv: flv::FlvOptions,
    /// Where recordings run (the daemon's shards, or the caller's runtime).
    spawner: Spawner,
}

impl MesioEngine {
    pub fn new() -> Self {
        Self::default()
    }

    /// Built from `[engines.mesio]`: the memory cap applies to both paths,
    /// the stall timeout to FLV.
    pub fn from_settings(s: &crate::config::engines::MesioSettings) -> Self {
        let memory_cap = usize::try_from(s.memory_cap.as_u64()).unwrap_or(usize::MAX);
        Self {
            hls: Some(HlsOptions {
                memory_cap,
                ..HlsOptions::default()
            }),
            flv: flv::FlvOptions {
                memory_cap,
                stall_timeout: s.stall_timeout,
                ..flv::FlvOptions::default()
            },
            spawner: Spawner::Ambient,
        }
    }

    /// Runs recordings through `spawner`.
    pub fn with_spawner(mut self, spawner: Spawner) -> Self {
        self.spawner = spawner;
        self
    }

    /// Uses `opts` for HLS (quality, limits and first index still come from
    /// each request).
    pub fn with_hls_options(opts: HlsOptions) -> Self {
        Self {
            hls: Some(opts),
            ..Self::default()
        }
    }

    fn hls_options(&self, req: &DownloadRequest) -> HlsOptions {
        let from_cfg = HlsOptions::from_config(&req.config, req.first_index);
        match &self.hls {
            Some(base) => HlsOptions {
                quality: from_cfg.quality,
                limits: from_cfg.limits,
                first_index: from_cfg.first_index,
                ..base.clone()
            },
            None => from_cfg,
        }
    }
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
        match req.stream.format {
            StreamFormat::Flv => {
                let http = HttpClient::from_config(&req.config)?;
                flv::start(req, events, http, self.flv, &self.spawner)
            }
            StreamFormat::Hls => self.start_hls(req, events),
        }
    }
}

impl MesioEngine {
    fn start_hls(
        &self,
        req: DownloadRequest,
        events: EventSink,
    ) -> Result<DownloadHandle, EngineError> {
        let url = Url::parse(&req.stream.url)
            .map_err(|e| EngineError::Unsupported(format!("invalid stream URL: {e}")))?;
        let client = HttpClient::from_config(&req.config)?;
        if !matches!(
            req.config.output_format,
            OutputFormat::Auto | OutputFormat::Ts | OutputFormat::Mp4
        ) {
            tracing::warn!(
                format = ?req.config.output_format,
                "mesio writes HLS in its source container (.ts or .mp4); remux after recording"
            );
        }
        let opts = self.hls_options(&req);
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let task = self.spawner.spawn(async move {
            events.emit(DownloadEventKind::Started {
                engine: EngineKind::Mesio,
            });
            // The recording runs in its own task so that even a panic ends
            // with a `Failed` event; the guard aborts it if this task is
            // aborted (DownloadHandle::stop after its timeout).
            let mut recording = AbortOnDrop(tokio::spawn(record_hls(
                req,
                url,
                client,
                opts,
                events.clone(),
                token,
            )));
            let outcome = match (&mut recording.0).await {
                Ok(outcome) => outcome,
                Err(e) => Err(EngineError::Other(format!("mesio HLS task failed: {e}"))),
            };
            match outcome {
                Ok(()) => events.emit(DownloadEventKind::Finished),
                Err(e) => events.emit(e.failed_event()),
            }
        });
        Ok(DownloadHandle::new(cancel, task))
    }
}

/// Records one HLS stream into files named by the request.
async fn record_hls(
    req: DownloadRequest,
    url: Url,
    client: HttpClient,
    opts: HlsOptions,
    events: EventSink,
    cancel: CancellationToken,
) -> Result<(), EngineError> {
    let req = Arc::new(req);
    let paths = req.clone();
    let sink = FileSink::new(Box::new(move |index, ext| paths.segment_path(index, ext)));
    let recorder = HlsRecorder::new(
        Arc::new(client),
        sink,
        Box::new(move |kind| events.emit(kind)),
        opts,
    );
    match recorder.run(&url, cancel).await {
        Ok(Outcome::EndOfStream | Outcome::Stopped) => Ok(()),
        Err(e) => {
            let e = EngineError::from(e);
            tracing::warn!(streamer = %req.streamer_name, error = %e, "HLS recording failed");
            Err(e)
        }
    }
}

/// Aborts the task when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
