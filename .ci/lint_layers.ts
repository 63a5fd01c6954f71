/**
 * `deno task lint:layers`: fails on any file-level import cycle and on any import that points
 * up the layers, in the spirit of Deno std's `lint:circular`. The graph is Deno's own
 * (`deno info --json`): static, type-only and dynamic imports all count, plus the worker entry
 * points a module names with `new URL("./x.ts", import.meta.url)`.
 *
 * The layers, lowest first, are in {@linkcode LAYERS}: a file may import files of its own layer
 * and of lower ones, and nothing else of the project; {@linkcode ALLOWED} lists the few edges
 * between libraries of one level that the design allows.
 */

/** A layer: the files it holds (path prefixes or exact paths) and its level. */
interface Layer {
  name: string;
  level: number;
  paths: string[];
}

/**
 * Lowest first. A path ending in "/" holds a whole folder; the longest match wins. Contracts are
 * public leaf files that every layer may need (error classes, option and reason types): they
 * import only each other.
 */
const LAYERS: Layer[] = [
  {
    name: "contracts",
    level: 0,
    paths: [
      "actors/errors.ts",
      "actors/_stop_signal.ts",
      "actors/exit_reason.ts",
      "actors/exit_signal.ts",
      "actors/actor_ref.ts",
      "actors/mailbox_options.ts",
      "actors/placement.ts",
      "actors/wait_options.ts",
      "actors/sync/errors.ts",
      "actors/pool/errors.ts",
      "actors/manager/errors.ts",
      "actors/supervisor/errors.ts",
      "channels/errors.ts",
      "channels/buffer_options.ts",
    ],
  },
  { name: "shm", level: 1, paths: ["actors/_shm/"] },
  { name: "kernel", level: 2, paths: ["actors/_kernel/"] },
  { name: "actor API", level: 3, paths: ["actors/"] },
  {
    name: "libraries",
    level: 4,
    paths: [
      "channels/",
      "actors/sync/",
      "actors/gen_server/",
      "actors/supervisor/",
      "actors/pool/",
      "actors/manager/",
      "actors/observer/",
    ],
  },
  /** Scale-out: the NATS plane and agent, loaded on demand by `getContext("nats")`. */
  { name: "scale-out", level: 5, paths: ["actors/nats/"] },
  /** Contexts: the whole API, bound to where processes run. */
  { name: "contexts", level: 6, paths: ["actors/context/"] },
  { name: "entry", level: 7, paths: ["mod.ts"] },
];

/** Edges allowed between two libraries of the same level: `from` folder -> `to` folder. */
const ALLOWED: [from: string, to: string][] = [
  ["actors/manager/", "channels/"],
  ["actors/manager/", "actors/sync/"],
  ["actors/supervisor/", "actors/gen_server/"],
];

const root = new URL("../", import.meta.url);

function relative(specifier: string): string | undefined {
  if (!specifier.startsWith(root.href)) return undefined;
  return specifier.slice(root.href.length);
}

function layerOf(path: string): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of LAYERS) {
    for (const prefix of layer.paths) {
      const matches = prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix;
      if (matches && (best === undefined || prefix.length > best.length)) {
        best = { layer, length: prefix.length };
      }
    }
  }
  return best?.layer;
}

function libraryOf(path: string): string | undefined {
  const layer = layerOf(path);
  return layer?.paths.filter((prefix) => path.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
}

/** Every source file of the library: what the layers govern. */
async function sourceFiles(): Promise<string[]> {
  const files: string[] = ["mod.ts"];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.name.endsWith(".ts")) files.push(path);
    }
  };
  await walk("actors/");
  await walk("channels/");
  return files.sort();
}

interface ModuleInfo {
  specifier: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string };
    type?: { specifier?: string };
  }[];
}

/** The import graph, file -> files it imports, from `deno info --json`. */
async function importGraph(files: string[]): Promise<Map<string, Set<string>>> {
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const lines = files.map((file) => `import ${JSON.stringify(new URL(file, root).href)};`);
    await Deno.writeTextFile(entry, lines.join("\n"));
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
    const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: ModuleInfo[] };
    const graph = new Map<string, Set<string>>(files.map((file) => [file, new Set()]));
    for (const module of info.modules) {
      const from = relative(module.specifier);
      if (from === undefined || !graph.has(from)) continue;
      for (const dependency of module.dependencies ?? []) {
        for (const resolved of [dependency.code?.specifier, dependency.type?.specifier]) {
          const to = resolved === undefined ? undefined : relative(resolved);
          if (to !== undefined && graph.has(to)) graph.get(from)!.add(to);
        }
      }
    }
    // Worker entry points are not imports, but they are dependencies all the same. Modules
    // named in a `WARM_MODULES` list are not: a standby worker imports them ahead of a start,
    // as a hint, and the naming module uses nothing of them.
    for (const file of files) {
      const source = await Deno.readTextFile(new URL(file, root));
      for (const match of source.matchAll(/new URL\(\s*"(\.[^"]+)",\s*import\.meta\.url\s*\)/g)) {
        const statement = source.slice(source.lastIndexOf(";", match.index) + 1, match.index);
        if (/\bconst WARM_MODULES\b/.test(statement)) continue;
        const to = new URL(match[1], new URL(file, root)).href;
        const path = relative(to);
        if (path !== undefined && graph.has(path)) graph.get(file)!.add(path);
      }
    }
    return graph;
  } finally {
    await Deno.remove(entry);
  }
}

/** Strongly connected components with more than one file, or a file importing itself. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indexes = new Map<string, number>();
  const lows = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexes.set(node, index);
    lows.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexes.has(next)) {
        visit(next);
        lows.set(node, Math.min(lows.get(node)!, lows.get(next)!));
      } else if (onStack.has(next)) {
        lows.set(node, Math.min(lows.get(node)!, indexes.get(next)!));
      }
    }
    if (lows.get(node) === indexes.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)!.has(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node);
  return found;
}

function upwardEdges(graph: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const fromLayer = layerOf(from);
    if (fromLayer === undefined) continue;
    for (const to of targets) {
      const toLayer = layerOf(to);
      if (toLayer === undefined) continue;
      if (toLayer.level < fromLayer.level) continue;
      if (toLayer === fromLayer) {
        // Contracts import each other freely (the pool's errors extend the actor layer's, so
        // one `instanceof` covers a family), and only each other.
        if (fromLayer.name === "contracts") continue;
        const fromLibrary = libraryOf(from);
        const toLibrary = libraryOf(to);
        if (fromLibrary === toLibrary) continue;
        if (ALLOWED.some(([a, b]) => a === fromLibrary && b === toLibrary)) continue;
        problems.push(`${from} -> ${to}: ${fromLibrary} may not import ${toLibrary}`);
        continue;
      }
      problems.push(
        `${from} (${fromLayer.name}) -> ${to} (${toLayer.name}): an import up the layers`,
      );
    }
  }
  return problems;
}

if (import.meta.main) {
  const files = await sourceFiles();
  const graph = await importGraph(files);
  const loops = cycles(graph);
  const upward = upwardEdges(graph);
  for (const loop of loops) console.error(`cycle: ${loop.join(" -> ")}`);
  for (const problem of upward) console.error(`layer: ${problem}`);
  const edges = [...graph.values()].reduce((sum, targets) => sum + targets.size, 0);
  if (loops.length > 0 || upward.length > 0) {
    console.error(
      `lint:layers: ${loops.length} cycle(s), ${upward.length} upward import(s) ` +
        `in ${files.length} files`,
    );
    Deno.exit(1);
  }
  console.log(`lint:layers: ${files.length} files, ${edges} imports, no cycle, none upward`);
}
