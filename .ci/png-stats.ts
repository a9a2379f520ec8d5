/**
 * What a PNG shows, in numbers: its size, the share of pixels that are not white and how many colours it
 * has. `.ci/run` renders the demo's timeline with a real browser and fails when the picture is empty.
 * Reads 8-bit RGB/RGBA PNGs as Chromium writes them (no interlacing).
 *
 *   tsx .ci/png-stats.ts FILE.png [--min-ink 0.05] [--min-colours 8]
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

function decode(png: Buffer) {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('expected an 8-bit, non-interlaced PNG');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      if (!channels) throw new Error(`colour type ${body[9]} is not RGB or RGBA`);
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter] ?? 0;
      pixels[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

const [file, ...rest] = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
if (!file) {
  process.stderr.write('usage: tsx .ci/png-stats.ts FILE.png [--min-ink 0.05] [--min-colours 8]\n');
  process.exit(2);
}
const { width, height, channels, pixels } = decode(readFileSync(file));
let ink = 0;
const colours = new Set<number>();
for (let i = 0; i < pixels.length; i += channels) {
  const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
  if (r < 250 || g < 250 || b < 250) ink++;
  colours.add((r << 16) | (g << 8) | b);
}
const share = ink / (width * height);
const stats = { file, width, height, ink: Number(share.toFixed(3)), colours: colours.size };
process.stdout.write(`${JSON.stringify(stats)}\n`);
if (share < option('--min-ink', 0.05) || colours.size < option('--min-colours', 8)) {
  process.stderr.write(`${file}: the picture is empty or nearly so (${JSON.stringify(stats)})\n`);
  process.exit(1);
}
