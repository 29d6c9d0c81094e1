//! H.264 / H.265 NAL unit scanning: is the first coded picture of an access
//! unit a keyframe (H.264 IDR, H.265 IRAP)? Muxers do not always set the TS
//! random_access_indicator, so the bitstream itself is the ground truth.

/// Video codec of a stream, as far as keyframe detection cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    H264,
    H265,
    /// MPEG-2 and friends: keyframes only via random_access_indicator.
    Other,
}

/// Scans Annex B data (start-code delimited NAL units) for the first VCL NAL
/// unit: `Some(true)` if it is a keyframe, `Some(false)` if it is another
/// coded picture, `None` if no VCL NAL unit was seen yet (feed more data).
pub fn first_vcl_is_keyframe(codec: VideoCodec, data: &[u8]) -> Option<bool> {
    let mut i = 0;
    while i + 3 < data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            let header = data[i + 3];
            match codec {
                VideoCodec::H264 => {
                    let t = header & 0x1F;
                    if (1..=5).contains(&t) {
                        return Some(t == 5);
                    }
                }
                VideoCodec::H265 => {
                    let t = (header >> 1) & 0x3F;
                    if t <= 31 {
                        return Some((16..=23).contains(&t));
                    }
                }
                VideoCodec::Other => return None,
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h264_idr_after_parameter_sets() {
        // AUD, SPS, PPS, IDR slice.
        let au = [
            0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 0x88,
        ];
        assert_eq!(first_vcl_is_keyframe(VideoCodec::H264, &au), Some(true));
        let p = [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x41, 0x9A];
        assert_eq!(first_vcl_is_keyframe(VideoCodec::H264, &p), Some(false));
        // Only parameter sets so far: undecided.
        assert_eq!(first_vcl_is_keyframe(VideoCodec::H264, &au[..14]), None);
    }

    #[test]
    fn h265_irap_types() {
        // AUD (35), VPS (32), IDR_W_RADL (19).
        let idr = [
            0,
            0,
            1,
            35 << 1,
            1,
            0x50,
            0,
            0,
            1,
            32 << 1,
            1,
            0,
            0,
            1,
            19 << 1,
            1,
            0xAF,
        ];
        assert_eq!(first_vcl_is_keyframe(VideoCodec::H265, &idr), Some(true));
        let cra = [0, 0, 1, 21 << 1, 1];
        assert_eq!(first_vcl_is_keyframe(VideoCodec::H265, &cra), Some(true));
        let trail = [0, 0, 1, 1 << 1, 1];
        assert_eq!(first_vcl_is_keyframe(VideoCodec::H265, &trail), Some(false));
    }
}
