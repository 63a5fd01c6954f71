/**
 * The JSDoc examples are run as doc tests, so they must fail when a result is wrong. A
 * `console.assert` only prints when its condition is false and the example still passes:
 * examples check with `node:assert/strict` instead.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/** Every `.ts` file under `dir`, as URLs, in a stable order. */
async function typescriptFilesUnder(dir: URL): Promise<URL[]> {
  const files: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      files.push(...await typescriptFilesUnder(new URL(`${entry.name}/`, dir)));
    } else if (entry.name.endsWith(".ts")) files.push(new URL(entry.name, dir));
  }
  return files.sort((a, b) => a.href.localeCompare(b.href));
}

/** The 1-based numbers of the lines inside `/** … *\/` comments that contain `needle`. */
function docCommentLinesWith(source: string, needle: string): number[] {
  const found: number[] = [];
  let inDocComment = false;
  source.split("\n").forEach((line, index) => {
    if (!inDocComment && line.includes("/**")) inDocComment = true;
    if (inDocComment && line.includes(needle)) found.push(index + 1);
    if (inDocComment && line.includes("*/")) inDocComment = false;
  });
  return found;
}

Deno.test("docCommentLinesWith finds the needle in doc comments only", () => {
  const source = [
    'console.assert(true, "code, not a doc comment");',
    "/**",
    " * ```ts",
    " * console.assert(1 === 1);",
    " * ```",
    " */",
    "console.assert(true);",
    "/** console.assert(one line) */",
  ].join("\n");
  assert.deepEqual(docCommentLinesWith(source, "console.assert"), [4, 8]);
});

Deno.test("no doc example in mod.ts, actors/ or channels/ checks with console.assert", async () => {
  const files = [
    new URL("mod.ts", root),
    ...await typescriptFilesUnder(new URL("actors/", root)),
    ...await typescriptFilesUnder(new URL("channels/", root)),
  ];
  const offenders: string[] = [];
  for (const file of files) {
    const lines = docCommentLinesWith(await Deno.readTextFile(file), "console.assert");
    const path = file.href.slice(root.href.length);
    offenders.push(...lines.map((line) => `${path}:${line}`));
  }
  assert.deepEqual(
    offenders,
    [],
    `use assert from "node:assert/strict" in doc examples, not console.assert, at:\n${
      offenders.join("\n")
    }`,
  );
});
