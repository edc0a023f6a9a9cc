/** A growable byte buffer of varints, over a scratch buffer that outlives it (encoding is synchronous). */
export class VarintWriter {
  buf: Buffer;
  o = 0;

  constructor(scratch: Buffer) {
    this.buf = scratch;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(bigger, 0, 0, this.o);
    this.buf = bigger;
  }

  put(n: number): void {
    if (n < 128 && this.o < this.buf.length) {
      this.buf[this.o++] = n;
      return;
    }
    if (this.o + 8 > this.buf.length) this.reserve(8);
    const buf = this.buf;
    let o = this.o;
    if (n < 0x80000000) {
      // Small integers: bit operations on Smis.
      while (n >= 128) {
        buf[o++] = (n & 127) | 128;
        n >>>= 7;
      }
    } else {
      while (n >= 128) {
        buf[o++] = (n % 128) | 128;
        n = Math.floor(n / 128);
      }
    }
    buf[o++] = n;
    this.o = o;
  }
}

export const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
export const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);
