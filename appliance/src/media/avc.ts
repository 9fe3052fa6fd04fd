// RFC 6381 section 3.3 codecs parameter for H.264: `avc1.PPCCLL`, the hex of the first three
// bytes after configurationVersion in the AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// section 5.3.3.1): profile_idc, the constraint-flag byte, level_idc. Browsers check it
// (MediaSource.isTypeSupported) before they fetch a byte of media.

import { Mp4Error } from './boxes.js';

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** `record` is the avcC box payload. */
export function avcCodecsString(record: Uint8Array): string {
  if (record.length < 4) throw new Mp4Error(`avcC record is ${record.length} bytes, expected at least 4`);
  if (record[0] !== 1) throw new Mp4Error(`avcC configurationVersion is ${record[0]}, expected 1`);
  return `avc1.${hex2(record[1] as number)}${hex2(record[2] as number)}${hex2(record[3] as number)}`;
}
