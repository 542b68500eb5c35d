// Copies the browser libraries we serve ourselves from node_modules into static/vendor (never a CDN).
import { cpSync, mkdirSync, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"],
  // The door page's QR decoder: the IIFE ponyfill (a plain <script>, registers window.BarcodeDetectionAPI)
  // and the ZXing reader it loads; checkin/static door.js points prepareZXingModule's locateFile at this copy.
  ["node_modules/barcode-detector/dist/iife/ponyfill.js", "barcode-detector/ponyfill.js"],
  ["node_modules/barcode-detector/LICENSE", "barcode-detector/LICENSE"],
  ["node_modules/zxing-wasm/dist/reader/zxing_reader.wasm", "barcode-detector/zxing_reader.wasm"],
  ["node_modules/zxing-wasm/LICENSE", "barcode-detector/LICENSE.zxing-wasm"],
];
for (const [from, to] of files) {
  const source = join(root, from);
  if (!existsSync(source)) {
    console.error(`missing ${from}: run npm ci first`);
    process.exit(1);
  }
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(source, join(out, to));
}
// The decoder's glue code and the .wasm must come from the same zxing-wasm release.
const glue = readFileSync(join(out, "barcode-detector/ponyfill.js"), "utf8").match(/zxing-wasm@([0-9.]+)/);
const wasmVersion = JSON.parse(readFileSync(join(root, "node_modules/zxing-wasm/package.json"), "utf8")).version;
if (!glue || glue[1] !== wasmVersion) {
  console.error(`barcode-detector expects zxing-wasm ${glue && glue[1]}, node_modules has ${wasmVersion}`);
  process.exit(1);
}
console.log(`copied ${files.length} files into static/vendor`);
