/**
 * Finds the private instance members (`#field`, `#method()`, `get #x()`) a class declares, from
 * its source text. A `Process` subclass is rebuilt in the worker without running its constructor
 * (its own fields are copied over instead), and an object gets private members only from a
 * constructor: such a subclass would fail in the child with "Cannot read private member", so
 * `start()` refuses it with a clear error instead. JavaScript offers no way to list an object's
 * private members, hence the source: a small scanner that skips strings, template literals,
 * comments and regular expressions and reads the names declared in the class body.
 *
 * @module
 */

const MODIFIERS = new Set(["static", "get", "set", "async", "accessor"]);
/** After these characters a `/` starts a regular expression, not a division. */
const BEFORE_REGEX = new Set("(,=:[!&|?{};+-*%<>~^");

/**
 * The private instance members the class `target` declares itself (not its base classes).
 *
 * @param target A class.
 * @returns Their names, with the `#`, in source order, each once.
 */
export function privateInstanceMembers(
  target: abstract new (...args: never[]) => unknown,
): string[] {
  const source = Function.prototype.toString.call(target);
  const names: string[] = [];
  let depth = 0;
  /** Closing braces of `${` in template literals: returning to the template at that depth. */
  const templates: number[] = [];
  let previous = "";
  let i = 0;
  const skipTemplate = () => {
    // Inside a template literal, from after its opening backtick or a closing `}`.
    while (i < source.length) {
      const c = source[i];
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templates.push(depth);
        depth++;
        return;
      } else i++;
    }
  };
  while (i < source.length) {
    const c = source[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i);
      if (i < 0) break;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2);
      if (i < 0) break;
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      while (i < source.length && source[i] !== c) i += source[i] === "\\" ? 2 : 1;
      i++;
      previous = "a";
      continue;
    }
    if (c === "`") {
      i++;
      skipTemplate();
      previous = "a";
      continue;
    }
    if (c === "/" && (previous === "" || BEFORE_REGEX.has(previous))) {
      i++;
      let inClass = false;
      while (i < source.length && (inClass || source[i] !== "/")) {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        i++;
      }
      i++;
      previous = "a";
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      depth--;
      if (templates.at(-1) === depth) {
        templates.pop();
        i++;
        skipTemplate();
        previous = "a";
        continue;
      }
    }
    if (c === "#" && depth === 1 && previous !== ".") {
      const match = /^#[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/u.exec(
        source.slice(i, i + 256),
      );
      if (match !== null) {
        if (!isStatic(source, i) && !names.includes(match[0])) names.push(match[0]);
        i += match[0].length;
        previous = "a";
        continue;
      }
    }
    const word = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/u.exec(source.slice(i, i + 64));
    if (word !== null) {
      i += word[0].length;
      // After a keyword like `return` a `/` starts a regular expression.
      previous = word[0] === "return" || word[0] === "typeof" ? "=" : "a";
      continue;
    }
    previous = c;
    i++;
  }
  return names;
}

/** Whether the member whose name starts at `at` is static: `static` among its modifiers. */
function isStatic(source: string, at: number): boolean {
  let end = at;
  while (true) {
    while (end > 0 && /[\s*]/.test(source[end - 1])) end--;
    let start = end;
    while (start > 0 && /[\w$]/.test(source[start - 1])) start--;
    const word = source.slice(start, end);
    if (!MODIFIERS.has(word)) return false;
    if (word === "static") return true;
    end = start;
  }
}
