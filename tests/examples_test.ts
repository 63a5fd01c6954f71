/**
 * Every example runs as its own program, exits by itself, and prints the lines that carry its
 * lesson.
 */
import assert from "node:assert/strict";

const examples = new URL("../examples/", import.meta.url);

async function runExample(name: string, permissions: string[] = []): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--allow-read",
      "--allow-write",
      ...permissions,
      new URL(`${name}.ts`, examples).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, `${name} failed:\n${new TextDecoder().decode(output.stderr)}`);
  return stdout;
}

function linesOf(stdout: string): string[] {
  return stdout.trim().split("\n");
}

Deno.test("mail_join: one mail joined, then ten mails started first and joined after", async () => {
  const lines = linesOf(await runExample("mail_join"));
  assert.equal(lines.filter((line) => /^mail \d sent$/.test(line)).length, 11);
  assert.ok(lines.indexOf("one mail: done") === 1);
  assert.match(lines.at(-1)!, /^ten mails: done in \d+ ms/);
});

Deno.test("subclass: ten MyProcess children carry their index and see their parent", async () => {
  const lines = linesOf(await runExample("subclass"));
  const children = lines.filter((line) => line.startsWith("child "));
  assert.equal(children.length, 10);
  assert.deepEqual(
    children.map((line) =>
      Number(line.match(/^child (\d+): MyProcess-\d+, pid \d+, parent pid 1$/)?.[1])
    ).sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

Deno.test("daemon_heartbeat: daemons stop when the main code is done, normal work finishes", async () => {
  const lines = linesOf(await runExample("daemon_heartbeat"));
  const mainDone = lines.findIndex((line) => line.startsWith("main code done"));
  assert.ok(mainDone > 0);
  assert.ok(lines.slice(0, mainDone).some((line) => line === "*"));
  assert.deepEqual(lines.slice(mainDone + 1), ["normal process ends"]);
});

Deno.test("terminate: alive right after terminate(), dead with -15 after; kill gives -9", async () => {
  const stdout = await runExample("terminate");
  assert.match(stdout, /isAlive\(\) right after terminate\(\): true/);
  assert.match(stdout, /isAlive\(\) once it ended: false exitcode: -15/);
  assert.match(stdout, /after kill\(\): exitcode -9/);
});

Deno.test("zombie_orphan: unjoined children leave nothing, a terminated subtree ends whole", async () => {
  const stdout = await runExample("zombie_orphan");
  assert.match(stdout, /alive now: 10/);
  assert.match(stdout, /alive now 0/);
  assert.match(stdout, /grandchild running/);
  assert.match(stdout, /terminated the middle process \(exitcode -15\)/);
  assert.match(stdout, /alive children: 0/);
});

Deno.test("memory_isolation: the child's x = 0 does not change the parent's x = 100", async () => {
  const stdout = await runExample("memory_isolation");
  assert.match(stdout, /child: x = 0/);
  assert.match(stdout, /parent: x = 100/);
});

Deno.test("mailbox: selective receive first, then order, then a timeout", async () => {
  assert.deepEqual(linesOf(await runExample("mailbox")), [
    "handled first: the urgent one",
    "1 squared is 1",
    "2 squared is 4",
    "3 squared is 9",
    "no more mail after 50 ms",
  ]);
});

Deno.test("demo: every section prints its heading and its lesson, and nothing is left", async () => {
  const stdout = await runExample("demo");
  const sections = stdout.split(/^== /m).slice(1);
  assert.deepEqual(sections.map((section) => section.slice(0, section.indexOf("\n"))), [
    "1. Processes and daemons",
    "2. Mailboxes and ask",
    "3. A queue: producer -> consumer",
    "4. A pipe",
    "5. A lock race: 4 processes add 1 to a shared Value 100000 times each",
    "6. A pool map with a progress bar",
    "7. A manager dict shared by 4 processes",
    "8. A supervisor restarts a crashed child (oneForOne)",
    "9. A pool worker dies mid-task",
  ]);
  const [processes, mail, queue, pipe, lock, pool, manager, supervisor, dies] = sections;
  assert.match(processes, /exit codes 0, 0, 0\n.*exit\(3\): exitcode 3\n/);
  assert.match(processes, /a daemon ended with its parent: terminated, exitcode -15/);
  assert.match(mail, /actors all the way -> ACTORS ALL THE WAY/);
  assert.match(mail, /ask\(\[84, 2\]\) -> 42/);
  assert.match(mail, /monitor says normal; a later ask rejects with ActorExitedError/);
  assert.match(queue, /took 100 items \(sum 5050\) and ended/);
  assert.match(pipe, /answered PING, PONG/);
  assert.match(pipe, /recv\(\) threw EOFError/);
  assert.match(lock, /without the lock: \d+ of 400000/);
  assert.match(lock, /with getLock\(\): +400000 of 400000/);
  assert.equal(
    pool.match(/progress \d+%/g)?.join(" "),
    "progress 25% progress 50% progress 75% progress 100%",
  );
  assert.match(pool, /0, 2, 4, \.\.\., 198, in input order/);
  assert.match(manager, /actor=2 counts=1 manager=1 maps=1 pool=1 receives=1 sends=1 the=4/);
  const restarted = supervisor.match(
    /crashed \(asked to crash\): restarted as pid (\d+), restart 1/,
  );
  assert.ok(restarted, supervisor);
  assert.match(supervisor, new RegExp(`answers: pong from pid ${restarted[1]}\n`));
  assert.match(dies, /0, 1, 4, WorkerDiedError, 16, 25, 36, 49/);
  const [before, after] = dies.match(/before: pids (.*); after: (.*) \(replaced\)/)!.slice(1);
  assert.equal(after.split(", ").length, 2);
  assert.equal(after.split(", ").filter((pid) => !before.split(", ").includes(pid)).length, 1);
  assert.match(stdout.trim().split("\n").at(-1)!, /every process joined, active children: 0$/);
});

Deno.test("ticket_race: without a lock all five buy three tickets; with it exactly three", async () => {
  const [racy, locked] = (await runExample("ticket_race")).split("== with a lock");
  assert.equal(racy.match(/bought a ticket/g)?.length, 5);
  assert.equal(locked.match(/bought a ticket/g)?.length, 3);
  assert.match(locked, /tickets left in the file: 0/);
});

Deno.test("ktv_semaphore: five people sing, both rooms are free at closing", async () => {
  const stdout = await runExample("ktv_semaphore");
  assert.equal(stdout.match(/walks into a room/g)?.length, 5);
  assert.match(stdout, /rooms free at closing time: 2/);
});

Deno.test("traffic_light: ten cars pass once the light is green", async () => {
  const stdout = await runExample("traffic_light");
  assert.equal(stdout.match(/passes/g)?.length, 10);
  assert.match(stdout, /all ten cars passed/);
});

Deno.test("barrier_start_line: four runners start with distinct indexes", async () => {
  const stdout = await runExample("barrier_start_line");
  const indexes = [...stdout.matchAll(/arrival index (\d)/g)].map((match) => Number(match[1]));
  assert.deepEqual(indexes.sort(), [0, 1, 2, 3]);
});

Deno.test("condition_buffer: everything produced is consumed", async () => {
  const stdout = await runExample("condition_buffer");
  assert.equal(stdout.match(/consumed \d+/g)?.length, 8);
  assert.match(stdout, /buffer drained/);
});

Deno.test("shared_counter: the lock and the atomic add count all 40000 increments", async () => {
  const stdout = await runExample("shared_counter");
  assert.match(stdout, /with getLock\(\): 40000 of 40000/);
  assert.match(stdout, /with add\(1\): {4}40000 of 40000/);
});

Deno.test("producer_consumer: all six dishes are eaten, one sentinel per consumer", async () => {
  const stdout = await runExample("producer_consumer");
  assert.equal(stdout.match(/ ate /g)?.length, 6);
  assert.equal(stdout.match(/goes home/g)?.length, 3, "two, then one of the trap's two");
  assert.match(stdout, /one sentinel for two consumers: 1 consumer still waits, terminated/);
});

Deno.test("joinable_queue: join() returns once everything is eaten; daemons end with main", async () => {
  const stdout = await runExample("joinable_queue");
  assert.equal(stdout.match(/ ate /g)?.length, 6);
  assert.match(stdout, /all the bun was eaten/);
  assert.match(stdout, /all the rice was eaten/);
});

Deno.test("pipe_request_reply: answers in order, then EOF when the parent closes", async () => {
  assert.deepEqual(linesOf(await runExample("pipe_request_reply")), [
    "1 + 2 = 3",
    "6 * 7 = 42",
    "10 + 20 = 30",
    "child: the parent closed its end, bye",
  ]);
});

Deno.test("pipe_eof: everything sent arrives, then EOFError", async () => {
  assert.deepEqual(linesOf(await runExample("pipe_eof")), [
    "received: actors",
    "received: share",
    "received: nothing",
    "EOFError: every copy of the write end is closed and nothing is left",
  ]);
});

/** Only the remote example serves a manager on TCP; the others reach theirs in memory. */
const REMOTE_MANAGER_PERMISSIONS = ["--allow-net=127.0.0.1", "--allow-run"];

Deno.test("manager_counter: the managed lock and the atomic increment bring the count to 0", async () => {
  const stdout = await runExample("manager_counter");
  assert.match(stdout, /without a lock: +count = \d+/);
  assert.match(stdout, /with a managed lock: +count = 0$/m);
  assert.match(stdout, /with increment\(-1\): +count = 0$/m);
});

Deno.test("manager_list: a pool appends all ten squares to one managed list", async () => {
  const stdout = await runExample("manager_list");
  assert.match(stdout, /10 items appended by the pool/);
  assert.match(stdout, /sorted: 0, 1, 4, 9, 16, 25, 36, 49, 64, 81/);
});

Deno.test("manager_remote: two programs update a dict served by a third", async () => {
  const stdout = await runExample("manager_remote", REMOTE_MANAGER_PERMISSIONS);
  assert.equal(stdout.match(/a wrong authkey is refused \(AuthenticationError\)/g)?.length, 2);
  const scores = JSON.parse(stdout.match(/server: final scores (\{.*\})/)![1]);
  assert.deepEqual(scores, { total: 200, alice: 100, bob: 100 });
  assert.match(stdout, /clients exited with 0, 0, server with 0/);
});

Deno.test("pool_vs_processes: the pool of 5 beats one process per task", async () => {
  const stdout = await runExample("pool_vs_processes");
  assert.match(stdout, /^100 processes: \d+ ms$/m);
  assert.match(stdout, /^Pool\(5\)\.map of 100 tasks: \d+ ms \(results 1\.\.100\)$/m);
  assert.match(stdout, /the pool is [\d.]+x faster/);
});

Deno.test("pool_apply: apply, applyAsync used wrongly and rightly give the same sum", async () => {
  const lines = linesOf(await runExample("pool_apply"));
  assert.equal(lines.length, 3);
  assert.ok(lines.every((line) => line.endsWith("sum 210")));
  assert.match(lines[2], /^applyAsync for all, then get\(\) \(right\)/);
});

Deno.test("pool_callbacks: callbacks and the error callback run in the main process", async () => {
  const lines = linesOf(await runExample("pool_callbacks"));
  for (const n of [2, 3, 4]) {
    assert.ok(
      lines.some((line) => line.startsWith(`${n}^2 = ${n * n} `) && line.endsWith("MainProcess)")),
    );
  }
  assert.ok(lines.includes("error callback in MainProcess: RangeError: unlucky number 13"));
  assert.ok(lines.includes("mapAsync callback: 25, 36, 49"));
  assert.equal(lines.at(-1), "all callbacks done");
});

Deno.test("pool_crawler: every local page is fetched in a worker and parsed in a callback", async () => {
  const lines = linesOf(await runExample("pool_crawler", ["--allow-net=127.0.0.1"]));
  assert.deepEqual(lines.slice(0, -1).sort(), [
    '/ 200 "Home" 2 links',
    '/about 200 "About us" 0 links',
    '/news 200 "News" 3 links',
    '/news/1 200 "First story" 1 links',
    '/news/2 200 "Second story" 1 links',
  ]);
  assert.equal(lines.at(-1), "crawled 5 pages");
});

Deno.test("pool_cpu_speedup: the pool finds as many primes as one thread", async () => {
  const stdout = await runExample("pool_cpu_speedup");
  assert.match(stdout, /same answer: true, speed-up [\d.]+x/);
});

Deno.test("pool_progress: the bar reaches 200/200 and all results arrive", async () => {
  const stdout = await runExample("pool_progress");
  assert.match(stdout, /\[#{40}\] 200\/200/);
  assert.match(stdout, /done: 200 results, last 398/);
});

Deno.test("bank_accounts: customers find the bank by name; overdrafts are refused", async () => {
  const lines = linesOf(await runExample("bank_accounts"));
  for (const name of ["ann", "bob", "cy"]) {
    assert.ok(lines.some((line) => line.startsWith(`${name}: Refused:`)), lines.join("\n"));
  }
  assert.deepEqual(lines.slice(-4), [
    "ann has 100",
    "bob has 80",
    "cy has 50",
    "the bank kept running through every refused request",
  ]);
});

Deno.test("supervised_worker: bad input crashes the worker, which is restarted", async () => {
  const lines = linesOf(await runExample("supervised_worker"));
  assert.equal(lines.filter((line) => /restarted as pid \d+ \(restart \d\)/.test(line)).length, 2);
  assert.ok(lines.includes("sqrt(100) = 10"));
  assert.match(lines.at(-1)!, /^supervisor stopped/);
});

Deno.test("one_for_all: one member's crash restarts the whole group", async () => {
  const lines = linesOf(await runExample("one_for_all"));
  assert.ok(lines.some((line) => line.endsWith("restarted reader, parser, writer")));
  assert.equal(lines.at(-1), "stopped: 0 running");
});

Deno.test("demo -- --observe: the tour serves the observer, which shows the tour's actors", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--allow-read",
      "--allow-net=127.0.0.1",
      new URL("demo.ts", examples).pathname,
      "--observe",
    ],
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let text = "";
    while (!/open (http:\S+)/.test(text)) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the demo ended without an observer URL:\n${text}`);
      text += value;
    }
    const url = text.match(/open (http:\S+)/)![1];
    // The first section runs once the page has had time to open; it starts processes.
    while (!text.includes("== 2.")) {
      const { value, done } = await reader.read();
      assert.ok(!done, text);
      text += value;
    }
    const snapshot = await (await fetch(new URL("snapshot.json", url))).json();
    assert.equal(snapshot.actors[0].name, "MainProcess");
    assert.ok(snapshot.actors.length > 1, "the tour's first processes are listed");
  } finally {
    child.kill();
    await child.status;
    await reader.cancel();
  }
});
