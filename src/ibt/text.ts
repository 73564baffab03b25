const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

// Windows-1252 differs from Latin-1 only in 0x80–0x9F. Decoded by hand because TextDecoder's
// legacy encodings are not guaranteed in every runtime this module targets.
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeCp1252(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    out += String.fromCharCode(CP1252_80_9F[byte - 0x80] ?? byte);
  }
  return out;
}

/**
 * Decodes iRacing text: UTF-8 when the bytes are valid UTF-8, else Windows-1252, the code page
 * older recordings use for names with accents (such bytes are almost never valid UTF-8).
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeCp1252(bytes);
  }
}

/** Decodes a NUL-padded fixed-size field. */
export function decodeCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decodeText(end === -1 ? bytes : bytes.subarray(0, end));
}
