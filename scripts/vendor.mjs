// Copies the browser libraries we serve ourselves from node_modules into static/vendor.
import { cpSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"],
];
mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  const source = join(root, from);
  if (!existsSync(source)) {
    console.error(`missing ${from}: run npm ci first`);
    process.exit(1);
  }
  cpSync(source, join(out, to));
}
console.log(`copied ${files.length} files into static/vendor`);
