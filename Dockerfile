# srec in a container: multi-stage build (Rust builder, Debian slim runtime
# with ffmpeg and streamlink), running `srec run --no-tui` as user srec.
#
# Status: NOT built in CI, and untested: the machine this was written on
# could not run a docker daemon. Build and try it before relying on it.
#
#   docker build -t srec .
#   docker run -d -e SREC_API_TOKEN=change-me -p 127.0.0.1:12555:12555 \
#     -v srec-data:/data -v /srv/recordings:/recordings srec

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin srec

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates ffmpeg streamlink tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data --create-home srec \
 && mkdir -p /recordings /etc/srec \
 && chown srec:srec /recordings /data
COPY --from=build /src/target/release/srec /usr/local/bin/srec
# A minimal config: recordings in the volume, the API reachable through the
# published port (a token is then mandatory: set SREC_API_TOKEN).
RUN printf '[recording]\noutput_dir = "/recordings"\n\n[api]\naddress = "0.0.0.0"\nallow_remote = true\n' \
      > /etc/srec/config.toml \
 && chown srec:srec /etc/srec/config.toml && chmod 0600 /etc/srec/config.toml
ENV SREC_CONFIG=/etc/srec/config.toml \
    SREC_DATA_DIR=/data
USER srec
VOLUME ["/data", "/recordings"]
EXPOSE 12555
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["srec", "run", "--no-tui"]
