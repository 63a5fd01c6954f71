/**
 * A tour of every capability in nine short sections: processes and daemons, mailboxes and ask,
 * a queue, a pipe, a lock race on a shared Value, a pool map with a progress bar, a manager
 * dict, a supervisor restarting a crashed child, and a pool surviving a worker that dies
 * mid-task. Each section prints a heading and one or two lines; the last line says that
 * nothing was left running. One supervised crash prints its traceback on stderr, by design.
 *
 * Run: deno task demo (add `-- --observe` to follow the tour in the observer's page)
 */
import {
  activeChildren,
  type ActorRef,
  type Connection,
  currentProcess,
  type DictProxy,
  EOFError,
  Event,
  exit,
  Manager,
  monitor,
  observe,
  parentProcess,
  Pipe,
  Pool,
  Process,
  Queue,
  receive,
  reply,
  type RestartEvent,
  spawn,
  Supervisor,
  Value,
  WorkerDiedError,
} from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every wait on the main mailbox is bounded, so a broken section fails instead of hanging. */
const MAIL_TIMEOUT = { timeout: 10_000 };

function heading(title: string): void {
  console.log(`\n== ${title}`);
}

function say(line: string): void {
  console.log(`  ${line}`);
}

// 1. Processes and daemons

export async function sendMail(index: number): Promise<void> {
  await delay(20 * index);
}

export function quit(code: number): void {
  exit(code);
}

export async function heartbeat(): Promise<void> {
  while (true) await delay(50);
}

/** Starts a daemon, shows it to the main program, and returns once told to. */
export async function daemonOwner(): Promise<void> {
  const daemon = new Process({ target: heartbeat, daemon: true });
  await daemon.start();
  parentProcess()!.send(daemon.ref);
  await receive(); // the main program monitors the daemon first
}

async function processesAndDaemons(): Promise<void> {
  heading("1. Processes and daemons");
  const mails = [1, 2, 3].map((index) => new Process({ target: sendMail, args: [index] }));
  for (const p of mails) p.start(); // start them all, then join them all
  for (const p of mails) await p.join();
  const quitter = new Process({ target: quit, args: [3] });
  await quitter.start();
  await quitter.join();
  say(`3 children started then joined: exit codes ${mails.map((p) => p.exitcode).join(", ")}`);
  say(`a child calling exit(3): exitcode ${quitter.exitcode}`);

  const owner = new Process({ target: daemonOwner });
  await owner.start();
  const down = monitor(await receive<ActorRef>(MAIL_TIMEOUT));
  owner.send("return now");
  await owner.join();
  const { kind, exitcode } = await down;
  say(`a daemon ended with its parent: ${kind}, exitcode ${exitcode}`);
}

// 2. Mailboxes and ask

export async function shout(): Promise<void> {
  for (let word = await receive<string>(); word !== "bye"; word = await receive<string>()) {
    parentProcess()!.send(word.toUpperCase());
  }
}

export async function calculator(): Promise<void> {
  while (true) {
    const request = await receive<[number, number] | "stop">();
    if (request === "stop") return;
    reply(request[0] / request[1]);
  }
}

async function mailboxesAndAsk(): Promise<void> {
  heading("2. Mailboxes and ask");
  const shouter = new Process({ target: shout });
  await shouter.start();
  const words = ["actors", "all", "the", "way"];
  for (const word of words) shouter.send(word);
  const answers = [];
  for (const _ of words) answers.push(await receive<string>(MAIL_TIMEOUT));
  shouter.send("bye");
  await shouter.join();
  say(`send/receive: ${words.join(" ")} -> ${answers.join(" ")}`);

  const calc = await spawn<[number, number] | "stop", number>(calculator);
  const down = monitor(calc.ref);
  say(`ask([84, 2]) -> ${await calc.ref.ask([84, 2], MAIL_TIMEOUT)} (receive and reply)`);
  calc.send("stop");
  const { kind } = await down;
  const late = await calc.ref.ask([1, 1]).catch((error: Error) => error.name);
  say(`after "stop": monitor says ${kind}; a later ask rejects with ${late}`);
}

// 3. A queue between a producer and a consumer

export async function produce(q: Queue<number>, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) q.put(i); // un-awaited puts keep their order
  await q.shutdown(); // after the puts: the consumer drains them, then its loop ends
}

export async function consume(q: Queue<number>): Promise<void> {
  let items = 0;
  let sum = 0;
  for await (const item of q) {
    items++;
    sum += item;
  }
  parentProcess()!.send({ items, sum });
}

async function producerConsumer(): Promise<void> {
  heading("3. A queue: producer -> consumer");
  const q = new Queue<number>();
  const pair = [
    new Process({ target: produce, args: [q, 100] }),
    new Process({ target: consume, args: [q] }),
  ];
  for (const p of pair) await p.start();
  const { items, sum } = await receive<{ items: number; sum: number }>(MAIL_TIMEOUT);
  for (const p of pair) await p.join();
  say(`the producer put 1..100, then shutdown()`);
  say(`the consumer's for-await took ${items} items (sum ${sum}) and ended once drained`);
}

// 4. A pipe

/** Answers each message on its end in upper case until the other end is closed. */
export async function pipeEcho(end: Connection<string>): Promise<void> {
  try {
    while (true) end.send((await end.recv()).toUpperCase());
  } catch (error) {
    if (!(error instanceof EOFError)) throw error;
    parentProcess()!.send(error.name);
  }
}

async function pipe(): Promise<void> {
  heading("4. A pipe");
  const [here, there] = Pipe<string>();
  const child = new Process({ target: pipeEcho, args: [there] });
  await child.start();
  there.close(); // the child holds its own copy of this end
  const replies = [];
  for (const word of ["ping", "pong"]) {
    here.send(word);
    replies.push(await here.recv());
  }
  here.close();
  const seen = await receive<string>(MAIL_TIMEOUT);
  await child.join();
  say(`both ends: the parent sent ping, pong; the child answered ${replies.join(", ")}`);
  say(`the parent closed its end: the child's recv() threw ${seen}`);
}

// 5. A lock race on a shared Value

const RACERS = 4;
const INCREMENTS = 100_000; // per racer: enough for their loops to overlap on any machine

export function addMany(counter: Value<"i32">, locked: boolean, go: Event): void {
  const lock = counter.getLock();
  go.waitSync(); // all racers start together, so their increments overlap
  for (let i = 0; i < INCREMENTS; i++) {
    if (locked) lock.acquireSync();
    counter.value = counter.value + 1; // a read, then a write: another process may write between
    if (locked) lock.release();
  }
}

async function race(locked: boolean): Promise<number> {
  const counter = new Value("i32", 0);
  const go = new Event();
  const racers = Array.from(
    { length: RACERS },
    () => new Process({ target: addMany, args: [counter, locked, go] }),
  );
  for (const p of racers) await p.start();
  go.set();
  for (const p of racers) await p.join();
  return counter.value;
}

async function lockRace(): Promise<void> {
  const total = RACERS * INCREMENTS;
  heading(`5. A lock race: ${RACERS} processes add 1 to a shared Value ${INCREMENTS} times each`);
  const racy = await race(false);
  say(`without the lock: ${racy} of ${total} (${total - racy} updates lost)`);
  say(`with getLock():   ${await race(true)} of ${total}`);
}

// 6. A pool map with a progress bar

export async function slowDouble(n: number): Promise<number> {
  await delay(10);
  return n * 2;
}

/** On a terminal, one bar redrawn in place; in a file or pipe, a line at each quarter. */
function progressPrinter(): (done: number, total: number | undefined) => void {
  const terminal = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  let quarter = 1;
  return (done, total = done) => {
    if (terminal) {
      const filled = Math.round((done / total) * 20);
      const bar = `  [${"#".repeat(filled)}${"-".repeat(20 - filled)}] ${done}/${total}`;
      Deno.stdout.writeSync(encoder.encode(`\r${bar}${done === total ? "\n" : ""}`));
      return;
    }
    for (; quarter <= 4 && done * 4 >= total * quarter; quarter++) {
      say(`progress ${quarter * 25}% (${done}/${total})`);
    }
  };
}

async function poolProgress(): Promise<void> {
  heading("6. A pool map with a progress bar");
  await using pool = new Pool({ processes: 4 });
  const items = Array.from({ length: 100 }, (_, i) => i);
  const results = await pool.map(slowDouble, items, {
    chunksize: 5,
    onProgress: progressPrinter(),
  });
  const shown = `${results.slice(0, 3).join(", ")}, ..., ${results.at(-1)}`;
  say(`${items.length} items doubled on ${pool.processes} workers: ${shown}, in input order`);
}

// 7. A manager dict

export async function countWords(counts: DictProxy<string, number>, line: string): Promise<void> {
  for (const word of line.split(" ")) await counts.increment(word); // atomic, in the manager
}

async function managerDict(): Promise<void> {
  heading("7. A manager dict shared by 4 processes");
  await using manager = new Manager();
  const counts = await manager.dict<string, number>();
  const lines = ["the actor sends", "the actor receives", "the pool maps", "the manager counts"];
  const writers = lines.map((line) => new Process({ target: countWords, args: [counts, line] }));
  for (const p of writers) p.start();
  for (const p of writers) await p.join();
  const entries = (await counts.entries()).sort(([a], [b]) => a.localeCompare(b));
  say(`each counted the words of one line into the same dict:`);
  say(entries.map(([word, n]) => `${word}=${n}`).join(" "));
}

// 8. A supervisor restarting a crashed child

export async function flaky(): Promise<void> {
  while (true) {
    const command = await receive<string>();
    if (command === "crash") throw new Error("asked to crash");
    parentProcess()!.send(`pong from pid ${currentProcess().pid}`);
  }
}

async function supervisor(): Promise<void> {
  heading("8. A supervisor restarts a crashed child (oneForOne)");
  const sup = new Supervisor({
    name: "demo",
    strategy: "oneForOne",
    children: [{ id: "flaky", target: flaky }],
    onRestart: (event) => currentProcess().send(event), // to the main program's mailbox
  });
  await sup.start();
  sup.child("flaky")!.send("crash");
  const { reason, pid, restarts } = await receive<RestartEvent>(MAIL_TIMEOUT);
  say(
    `pid ${reason.pid} crashed (${reason.error?.message}): restarted as pid ${pid}, restart ${restarts}`,
  );
  sup.child("flaky")!.send("ping");
  say(`the restarted child answers: ${await receive<string>(MAIL_TIMEOUT)}`);
  await sup.stop();
  await sup.join();
}

// 9. A worker dies mid-task

export async function squareOrDie(n: number): Promise<number> {
  await delay(10);
  if (n === 3) exit(1); // the worker ends in the middle of this task
  return n * n;
}

async function workerDies(): Promise<void> {
  heading("9. A pool worker dies mid-task");
  await using pool = new Pool({ processes: 2 });
  const before = pool.workers.map((w) => w.pid);
  const tasks = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => pool.applyAsync(squareOrDie, [n]));
  const outcomes = await Promise.all(
    tasks.map((task) =>
      task.get().then(String, (error: Error) => {
        if (!(error instanceof WorkerDiedError)) throw error;
        return error.name;
      })
    ),
  );
  say(`squares of 0..7, task 3 calls exit(1): ${outcomes.join(", ")}`);
  const after = pool.workers.map((w) => w.pid);
  say(`workers before: pids ${before.join(", ")}; after: ${after.join(", ")} (replaced)`);
}

/** With `--observe`: how long to wait for the page to be opened, and between sections. */
const OBSERVED_START_MS = 5000;
const OBSERVED_PAUSE_MS = 1500;
const OBSERVED_END_MS = 10_000;

async function main(): Promise<void> {
  const observing = Deno.args.includes("--observe");
  // Started before the first section, so that it sees every actor the tour starts.
  await using observer = observing ? await observe({ intervalMs: 250 }) : null;
  if (observer !== null) {
    console.log(
      `observer: open ${observer.url} (the tour starts in 5 s, and pauses between sections)`,
    );
    await delay(OBSERVED_START_MS);
  }
  const started = performance.now();
  const sections = [
    processesAndDaemons,
    mailboxesAndAsk,
    producerConsumer,
    pipe,
    lockRace,
    poolProgress,
    managerDict,
    supervisor,
    workerDies,
  ];
  for (const section of sections) {
    await section();
    if (observer !== null) await delay(OBSERVED_PAUSE_MS);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\ntour done in ${seconds} s: every process joined, active children: ${activeChildren().length}`,
  );
  if (observer !== null) {
    console.log(`observer: still serving for ${OBSERVED_END_MS / 1000} s, then it closes`);
    await delay(OBSERVED_END_MS);
  }
}

if (import.meta.main) await main();
