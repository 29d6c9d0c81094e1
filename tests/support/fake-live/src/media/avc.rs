//! Just enough H.264 parsing to learn a clip's picture size from its
//! sequence parameter set (so fixtures loaded from disk need no size literals).

/// Display width and height from an FLV AVC sequence header tag body
/// (5-byte FLV video preamble, then the AVCDecoderConfigurationRecord whose
/// first SPS is parsed).
pub fn dimensions_from_flv_header(body: &[u8]) -> Result<(u32, u32), String> {
    let rec = body
        .get(5..)
        .ok_or("AVC sequence header too short for a configuration record")?;
    if rec.len() < 8 || rec[0] != 1 {
        return Err("not an AVCDecoderConfigurationRecord (version 1)".into());
    }
    if rec[5] & 0x1f == 0 {
        return Err("AVC configuration record holds no SPS".into());
    }
    let len = usize::from(u16::from_be_bytes([rec[6], rec[7]]));
    let sps = rec
        .get(8..8 + len)
        .ok_or("AVC configuration record: SPS truncated")?;
    sps_dimensions(sps)
}

/// Display width and height (after frame cropping) of one SPS NAL unit
/// (NAL header byte included, emulation prevention bytes still in place).
pub fn sps_dimensions(nal: &[u8]) -> Result<(u32, u32), String> {
    if nal.first().map(|b| b & 0x1f) != Some(7) {
        return Err("NAL unit is not an SPS".into());
    }
    let rbsp = unescape(&nal[1..]);
    let mut r = Bits::new(&rbsp);
    let profile_idc = r.bits(8)?;
    r.bits(16)?; // constraint flags + reserved, level_idc
    r.ue()?; // seq_parameter_set_id
    let mut chroma_format_idc = 1;
    let mut separate_colour_plane = false;
    if matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        chroma_format_idc = r.ue()?;
        if chroma_format_idc == 3 {
            separate_colour_plane = r.bit()?;
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.bit()?; // qpprime_y_zero_transform_bypass_flag
        if r.bit()? {
            // seq_scaling_matrix_present_flag
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.bit()? {
                    skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?; // log2_max_pic_order_cnt_lsb_minus4
        }
        1 => {
            r.bit()?; // delta_pic_order_always_zero_flag
            r.se()?; // offset_for_non_ref_pic
            r.se()?; // offset_for_top_to_bottom_field
            for _ in 0..r.ue()? {
                r.se()?; // offset_for_ref_frame[i]
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.bit()?; // gaps_in_frame_num_value_allowed_flag
    let width_mbs = r.ue()? + 1;
    let height_map_units = r.ue()? + 1;
    let frame_mbs_only = r.bit()?;
    if !frame_mbs_only {
        r.bit()?; // mb_adaptive_frame_field_flag
    }
    r.bit()?; // direct_8x8_inference_flag
    let (mut crop_x, mut crop_y) = (0, 0);
    if r.bit()? {
        // frame_cropping_flag
        let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
        crop_x = left + right;
        crop_y = top + bottom;
    }
    let field_factor = if frame_mbs_only { 1 } else { 2 };
    // ChromaArrayType 0 (monochrome or separate planes) crops in luma samples.
    let (unit_x, unit_y) = if chroma_format_idc == 0 || separate_colour_plane {
        (1, field_factor)
    } else {
        let (sub_w, sub_h) = match chroma_format_idc {
            1 => (2, 2),
            2 => (2, 1),
            _ => (1, 1),
        };
        (sub_w, sub_h * field_factor)
    };
    let width = (width_mbs * 16)
        .checked_sub(unit_x * crop_x)
        .filter(|w| *w > 0);
    let height = (field_factor * height_map_units * 16)
        .checked_sub(unit_y * crop_y)
        .filter(|h| *h > 0);
    match (width, height) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err("SPS cropping exceeds the coded picture".into()),
    }
}

fn skip_scaling_list(r: &mut Bits<'_>, size: u32) -> Result<(), String> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            next = (last + r.se()? + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// Drops the emulation prevention byte of every `00 00 03` sequence.
fn unescape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut zeros = 0;
    for &b in data {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// MSB-first bit reader with Exp-Golomb codes.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits { data, pos: 0 }
    }

    fn bit(&mut self) -> Result<bool, String> {
        let byte = self.data.get(self.pos / 8).ok_or("SPS truncated")?;
        let bit = byte >> (7 - self.pos % 8) & 1;
        self.pos += 1;
        Ok(bit == 1)
    }

    fn bits(&mut self, n: u32) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..n {
            v = v << 1 | u32::from(self.bit()?);
        }
        Ok(v)
    }

    fn ue(&mut self) -> Result<u32, String> {
        let mut zeros = 0;
        while !self.bit()? {
            zeros += 1;
            if zeros > 31 {
                return Err("bad Exp-Golomb code in SPS".into());
            }
        }
        Ok(((1u64 << zeros) - 1 + u64::from(self.bits(zeros)?)) as u32)
    }

    fn se(&mut self) -> Result<i64, String> {
        let k = i64::from(self.ue()?);
        Ok(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SPS bytes from `ffmpeg -f lavfi -i testsrc2=size=WxH -c:v libx264
    /// -profile:v P -f h264`: main 1920x1080 (68 macroblock rows cropped by 8
    /// lines), high 854x480 (width cropped, chroma_format_idc present) and
    /// high 4:4:4 426x240 (cropping in 1-sample units).
    #[test]
    fn x264_sps_sizes() {
        let main_1080 = [
            0x67, 0x4d, 0x40, 0x28, 0xec, 0xa0, 0x3c, 0x01, 0x13, 0xf2, 0xe0, 0x22, 0x00, 0x00,
            0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x64, 0x1e, 0x30, 0x63, 0x2c,
        ];
        let high_480 = [
            0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xd8, 0x3d, 0xe6, 0xf0, 0x11, 0x00, 0x00,
            0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x16, 0x2d, 0x96,
        ];
        let high444_240 = [
            0x67, 0xf4, 0x00, 0x15, 0x91, 0x9b, 0x28, 0x36, 0x3f, 0xcf, 0xe0, 0x22, 0x00, 0x00,
            0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x64, 0x1e, 0x2c, 0x5b, 0x2c,
        ];
        assert_eq!(sps_dimensions(&main_1080), Ok((1920, 1080)));
        assert_eq!(sps_dimensions(&high_480), Ok((854, 480)));
        assert_eq!(sps_dimensions(&high444_240), Ok((426, 240)));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(sps_dimensions(&[0x68, 0xff]).is_err());
        assert!(sps_dimensions(&[0x67, 0x4d]).is_err());
        assert!(dimensions_from_flv_header(&[0x17, 0, 0, 0, 0]).is_err());
    }
}
