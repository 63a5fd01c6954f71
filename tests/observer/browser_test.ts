/**
 * The observer's page in a real browser (headless Chromium): a program with named processes, a
 * held lock, unread mail and a busy pool, and the rendered page shows them. The screenshot is
 * saved as `tests/artifacts/observer.png`.
 */
import assert from "node:assert/strict";
import { observe } from "../../mod.ts";
import { findChromium, HeadlessPage } from "./_chromium.ts";
import { startScene } from "./_scene.ts";

const chromium = findChromium();
// CI installs Chromium; elsewhere the test says why it did not run.
const inCi = Deno.env.get("CI") !== undefined;

Deno.test({
  name: "the observer page shows the tree, the held lock, the unread mail and the busy pool",
  ignore: chromium === null && !inCi,
  async fn() {
    assert.ok(chromium !== null, "CI must have Chromium: .ci/run installs Debian's chromium");
    await using scene = await startScene(3, 300);
    const { holder } = scene;
    await using observer = await observe({ intervalMs: 200 });
    {
      await using page = await HeadlessPage.open(chromium, observer.url);
      await page.waitFor(`document.body.dataset.ready === "true"`);
      // The held lock and the pool at work, as the live stream shows them.
      await page.waitFor(
        `[...document.querySelectorAll('#locks td[data-field="holders"]')]` +
          `.some((cell) => cell.textContent.includes("${holder.pid}"))`,
      );
      await page.waitFor(
        `Number(document.querySelector('#pools td[data-field="done"]')?.textContent) > 0`,
      );
      const names = await page.evaluate<string[]>(
        `[...document.querySelectorAll("#actors .actor")].map((line) => line.dataset.name)`,
      );
      for (const name of ["MainProcess", "napper", "lock-holder"]) {
        assert.ok(names.includes(name), name);
      }
      assert.equal(names.filter((name) => name.startsWith("PoolWorker")).length, 2);
      const mail = await page.evaluate<string>(
        `document.querySelector('.actor[data-name="napper"] .mail')?.dataset.mail`,
      );
      assert.equal(mail, "3");
      assert.equal(
        await page.evaluate<string>(`document.getElementById("status").textContent`),
        "live",
      );
      const workers = await page.evaluate<string>(
        `document.querySelector('#pools td[data-field="workers"]').textContent`,
      );
      assert.equal(workers, "2");
      const png = await page.screenshot();
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
      await Deno.mkdir(new URL("../artifacts/", import.meta.url), { recursive: true });
      await Deno.writeFile(new URL("../artifacts/observer.png", import.meta.url), png);
    }
  },
});
