/**
 * The seeds' pooled crawler: workers fetch pages, the parent parses each page in a callback as
 * soon as it arrives. The site is a local HTTP server on 127.0.0.1 that the example starts and
 * stops itself.
 *
 * Run: deno task example:pool_crawler
 */
import { Pool } from "../mod.ts";

const PAGES: Record<string, string> = {
  "/": "<title>Home</title><a href='/news'>news</a><a href='/about'>about</a>",
  "/news": "<title>News</title><a href='/'>home</a><a href='/news/1'>1</a><a href='/news/2'>2</a>",
  "/news/1": "<title>First story</title><a href='/news'>back</a>",
  "/news/2": "<title>Second story</title><a href='/news'>back</a>",
  "/about": "<title>About us</title>",
};

/** Fetches a page in a worker and returns what the parser needs. */
export async function getPage(url: string): Promise<{ url: string; status: number; html: string }> {
  const response = await fetch(url);
  return { url, status: response.status, html: await response.text() };
}

/** Runs in the parent for each page: pulls out the title and counts the links. */
function parsePage(page: { url: string; status: number; html: string }): void {
  const title = page.html.match(/<title>(.*?)<\/title>/)?.[1] ?? "(no title)";
  const links = page.html.match(/<a /g)?.length ?? 0;
  console.log(`${new URL(page.url).pathname} ${page.status} "${title}" ${links} links`);
}

if (import.meta.main) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const html = PAGES[new URL(request.url).pathname];
    return html === undefined
      ? new Response("not found", { status: 404 })
      : new Response(html, { headers: { "content-type": "text/html" } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const pool = new Pool({ processes: 3 });
  for (const path of Object.keys(PAGES)) {
    pool.applyAsync(getPage, [base + path], { callback: parsePage });
  }
  pool.close();
  await pool.join();
  await server.shutdown();
  console.log(`crawled ${Object.keys(PAGES).length} pages`);
}
