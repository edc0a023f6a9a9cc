/** IPv4/IPv6 parsing for `cidr` patterns: an address is its bytes (4 or 16), compared bit by bit. */

export interface CidrRange {
  bytes: Uint8Array;
  prefixLength: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] as string;
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

export function parseIpAddress(text: string): Uint8Array | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** Parses `addr/len`; returns an error message when malformed. */
export function parseCidr(text: string): CidrRange | string {
  const parts = text.split('/');
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const bytes = parseIpAddress(parts[0] as string);
  if (!bytes) return `Invalid IP address in CIDR: ${parts[0]}`;
  const len = parts[1] as string;
  if (!/^\d{1,3}$/.test(len) || Number(len) > bytes.length * 8) return `Invalid CIDR prefix length: ${len}`;
  return { bytes, prefixLength: Number(len) };
}

export function cidrContains(range: CidrRange, ip: Uint8Array): boolean {
  if (ip.length !== range.bytes.length) return false;
  let bits = range.prefixLength;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip[i] as number) & mask) !== ((range.bytes[i] as number) & mask)) return false;
  }
  return true;
}
