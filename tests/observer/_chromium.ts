/**
 * Headless Chromium driven over the DevTools protocol, for the observer's page test: open a
 * page, wait for a condition in it, read its DOM, take a screenshot. Debian's `chromium`
 * package; `.ci/run` installs it when it is missing.
 */

/** Where Chromium is, or null when it is not installed. */
export function findChromium(): string | null {
  for (const path of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return null;
}

/** A page in a headless browser. */
export class HeadlessPage implements AsyncDisposable {
  readonly #browser: Deno.ChildProcess;
  readonly #profile: string;
  readonly #socket: WebSocket;
  readonly #drained: Promise<void>;
  readonly #pending = new Map<number, PromiseWithResolvers<Record<string, unknown>>>();
  #nextId = 0;

  private constructor(
    browser: Deno.ChildProcess,
    profile: string,
    socket: WebSocket,
    drained: Promise<void>,
  ) {
    this.#browser = browser;
    this.#drained = drained;
    this.#profile = profile;
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(JSON.stringify(message.error)));
      else pending.resolve(message.result);
    };
  }

  /** Starts the browser and opens `url` in a page of `width` x `height`. */
  static async open(
    executable: string,
    url: string,
    width = 1280,
    height = 900,
  ): Promise<HeadlessPage> {
    const profile = await Deno.makeTempDir({ prefix: "observer-chromium-" });
    const browser = new Deno.Command(executable, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        `--window-size=${width},${height}`,
        "about:blank",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const { endpoint, drained } = await devtoolsEndpoint(browser.stderr);
      const created = await fetch(`http://${endpoint}/json/new?${url}`, { method: "PUT" });
      const target = await created.json() as { webSocketDebuggerUrl: string };
      const socket = new WebSocket(target.webSocketDebuggerUrl);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      return new HeadlessPage(browser, profile, socket, drained);
    } catch (error) {
      browser.kill();
      await browser.status;
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
  }

  /** Runs a DevTools method. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#nextId;
    const pending = Promise.withResolvers<Record<string, unknown>>();
    this.#pending.set(id, pending);
    this.#socket.send(JSON.stringify({ id, method, params }));
    return pending.promise;
  }

  /** The value of `expression` in the page. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send("Runtime.evaluate", { expression, returnByValue: true });
    return (result.result as { value: T }).value;
  }

  /** Waits until `expression` is true in the page; throws after `timeoutMs`. */
  async waitFor(expression: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) throw new Error(`The page never showed ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A PNG of the page as it is drawn. */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(data as string), (char) => char.charCodeAt(0));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const closed = new Promise((resolve) => this.#socket.onclose = resolve);
    this.#socket.close();
    await closed;
    this.#browser.kill();
    await this.#browser.status;
    await this.#drained;
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

/** Reads `host:port` from the line Chromium prints once its DevTools server listens. */
async function devtoolsEndpoint(
  stderr: ReadableStream<Uint8Array>,
): Promise<{ endpoint: string; drained: Promise<void> }> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const found = text.match(/DevTools listening on ws:\/\/([^/]+)\//);
    if (found !== null) {
      // Keep reading in the background so the browser never blocks on a full pipe.
      const drained = (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done) {
          // Discard.
        }
      })();
      return { endpoint: found[1], drained };
    }
  }
  reader.releaseLock();
  throw new Error(`Chromium did not start its DevTools server:\n${text}`);
}
