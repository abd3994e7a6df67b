// Image clean-up before OCR, run inside the sandbox process: straightening a skewed scan and
// reducing it to black and white. Which of the two run is a measured choice (npm run eval:ocr
// -- --ablation), recorded in DEFAULT_PREPROCESSING.
import { createCanvas, loadImage } from "@napi-rs/canvas";
import type { Canvas } from "@napi-rs/canvas";

/** Which clean-up steps run on an image before OCR. */
export interface ImagePreprocessing {
  /** Estimate the skew from the text lines and rotate it away. */
  readonly deskew: boolean;
  /** Reduce to black and white with Otsu's global threshold. */
  readonly binarise: boolean;
  /** Paint isolated specks (scanner dust) with the paper colour, keeping the grey levels of the text. */
  readonly despeckle: boolean;
}

/** Skews are searched within ± this many degrees; scans beyond it are rare and OCR fails on them anyway. */
const MAX_SKEW = 6;
/** Below this many degrees the image is left as it is: rotating resamples and blurs it. */
const MIN_CORRECTION = 0.25;
/** The skew is estimated on an image at most this wide. */
const ESTIMATE_WIDTH = 800;
/** Ink blobs up to this many pixels with no other ink within {@link SPECK_CLEARANCE} pixels are dust, not text. */
const MAX_SPECK = 16;
/** This many isolated blobs make a page a dusty scan; a clean page has a few dozen (stray punctuation). */
const DUSTY_PAGE = 300;
/** Punctuation sits this close to its letters; dust usually does not. */
const SPECK_CLEARANCE = 5;

/** `bytes` (PNG or JPEG) cleaned up as `options` say, as PNG; unchanged when both are off. */
export async function preprocessImage(bytes: Uint8Array, options: ImagePreprocessing): Promise<Uint8Array> {
  if (!options.deskew && !options.binarise && !options.despeckle) return bytes;
  const image = await loadImage(Buffer.from(bytes));
  let canvas = createCanvas(image.width, image.height);
  canvas.getContext("2d").drawImage(image, 0, 0);
  if (options.deskew) {
    const angle = estimateSkew(canvas);
    if (Math.abs(angle) >= MIN_CORRECTION) canvas = rotated(canvas, -angle);
  }
  if (options.binarise || options.despeckle) clean(canvas, options);
  // The synchronous encoder: the asynchronous one of @napi-rs/canvas has crashed the process
  // now and then when pages followed each other quickly.
  return canvas.toBuffer("image/png");
}

function grey(canvas: Canvas): Uint8Array {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const out = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < out.length; i += 1) out[i] = (data[i * 4]! * 299 + data[i * 4 + 1]! * 587 + data[i * 4 + 2]! * 114) / 1000;
  return out;
}

/** Otsu's threshold: the grey level that best separates ink from paper. */
export function otsuThreshold(pixels: Uint8Array): number {
  const histogram = new Array<number>(256).fill(0);
  for (const p of pixels) histogram[p]! += 1;
  const total = pixels.length;
  const sum = histogram.reduce((acc, count, level) => acc + count * level, 0);
  let [sumBelow, countBelow, best, threshold] = [0, 0, -1, 128];
  for (let level = 0; level < 256; level += 1) {
    countBelow += histogram[level]!;
    if (countBelow === 0 || countBelow === total) continue;
    sumBelow += level * histogram[level]!;
    const meanBelow = sumBelow / countBelow;
    const meanAbove = (sum - sumBelow) / (total - countBelow);
    const between = countBelow * (total - countBelow) * (meanBelow - meanAbove) ** 2;
    if (between > best) [best, threshold] = [between, level];
  }
  return threshold;
}

/**
 * The skew in degrees (positive: text runs downhill to the right), by projection profiles: the
 * angle whose row sums of ink are most peaked is the one the text lines run along.
 */
export function estimateSkew(canvas: Canvas): number {
  const step = Math.max(1, Math.ceil(canvas.width / ESTIMATE_WIDTH));
  const small = createCanvas(Math.ceil(canvas.width / step), Math.ceil(canvas.height / step));
  small.getContext("2d").drawImage(canvas, 0, 0, small.width, small.height);
  const pixels = grey(small);
  const threshold = otsuThreshold(pixels);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < pixels.length; i += 1) {
    if (pixels[i]! <= threshold) {
      xs.push(i % small.width);
      ys.push(Math.floor(i / small.width));
    }
  }
  const sharpness = (degrees: number) => {
    const slope = Math.tan((degrees * Math.PI) / 180);
    const bins = new Map<number, number>();
    for (let k = 0; k < xs.length; k += 1) {
      const row = Math.round(ys[k]! - xs[k]! * slope);
      bins.set(row, (bins.get(row) ?? 0) + 1);
    }
    let score = 0;
    for (const count of bins.values()) score += count * count;
    return score;
  };
  const search = (from: number, to: number, by: number) => {
    let best = { angle: 0, score: -1 };
    for (let a = from; a <= to + 1e-9; a += by) {
      const score = sharpness(a);
      if (score > best.score) best = { angle: a, score };
    }
    return best.angle;
  };
  const coarse = search(-MAX_SKEW, MAX_SKEW, 0.5);
  return search(coarse - 0.5, coarse + 0.5, 0.1);
}

function rotated(canvas: Canvas, degrees: number): Canvas {
  const out = createCanvas(canvas.width, canvas.height);
  const g = out.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, out.width, out.height);
  g.translate(out.width / 2, out.height / 2);
  g.rotate((degrees * Math.PI) / 180);
  g.drawImage(canvas, -canvas.width / 2, -canvas.height / 2);
  // Later pixel writes must land where they are addressed, not through this rotation.
  g.setTransform(1, 0, 0, 1, 0, 0);
  return out;
}

function clean(canvas: Canvas, options: ImagePreprocessing): void {
  const g = canvas.getContext("2d");
  const image = g.getImageData(0, 0, canvas.width, canvas.height);
  const pixels = grey(canvas);
  const threshold = otsuThreshold(pixels);
  const ink = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i += 1) ink[i] = pixels[i]! <= threshold ? 1 : 0;
  const found = options.despeckle ? findSpecks(ink, canvas.width, canvas.height) : { pixels: [], count: 0 };
  // A clean page has few isolated blobs, and those are punctuation: only a dusty scan is cleaned.
  const specks = found.count >= DUSTY_PAGE ? found.pixels : [];
  const paper = 255;
  if (options.binarise) {
    for (const p of specks) ink[p] = 0;
    for (let i = 0; i < ink.length; i += 1) setGrey(image.data, i, ink[i] ? 0 : 255);
  } else {
    // Paint a speck and its anti-aliased rim.
    for (const p of specks) {
      for (const q of [p, p - 1, p + 1, p - canvas.width, p + canvas.width]) if (q >= 0 && q < pixels.length) setGrey(image.data, q, paper);
    }
  }
  g.putImageData(image, 0, 0);
}

function setGrey(data: Uint8ClampedArray, i: number, value: number): void {
  data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = value;
  data[i * 4 + 3] = 255;
}

/**
 * The pixels of small blobs with no other ink near them (8-connected components up to
 * {@link MAX_SPECK} pixels): scanner dust that OCR would read as stray punctuation.
 */
export function findSpecks(ink: Uint8Array, width: number, height: number): { pixels: number[]; count: number } {
  const specks: number[] = [];
  let count = 0;
  const label = new Int32Array(ink.length);
  const stack = new Int32Array(ink.length);
  let next = 0;
  for (let start = 0; start < ink.length; start += 1) {
    if (!ink[start] || label[start]) continue;
    next += 1;
    const members: number[] = [];
    let top = 0;
    stack[top++] = start;
    label[start] = next;
    let [minX, maxX, minY, maxY] = [width, 0, height, 0];
    while (top > 0) {
      const p = stack[--top]!;
      if (members.length <= MAX_SPECK) members.push(p);
      const x = p % width;
      const y = (p - x) / width;
      [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
      for (let dy = -1; dy <= 1; dy += 1) {
        for (let dx = -1; dx <= 1; dx += 1) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (ink[q] && !label[q]) {
            label[q] = next;
            stack[top++] = q;
          }
        }
      }
    }
    if (members.length > MAX_SPECK || hasNeighbour(ink, label, next, width, height, [minX, maxX, minY, maxY])) continue;
    specks.push(...members);
    count += 1;
  }
  return { pixels: specks, count };
}

function hasNeighbour(ink: Uint8Array, label: Int32Array, own: number, width: number, height: number, box: readonly [number, number, number, number]): boolean {
  const [minX, maxX, minY, maxY] = box;
  for (let y = Math.max(0, minY - SPECK_CLEARANCE); y <= Math.min(height - 1, maxY + SPECK_CLEARANCE); y += 1) {
    for (let x = Math.max(0, minX - SPECK_CLEARANCE); x <= Math.min(width - 1, maxX + SPECK_CLEARANCE); x += 1) {
      const q = y * width + x;
      if (ink[q] && label[q] !== own) return true;
    }
  }
  return false;
}
