/**
 * Targets used by the documentation examples. A worker runs a target by importing the module
 * that defines it, so targets live in module files: here, registered with `task()`.
 *
 * @module
 */
import {
  type Barrier,
  type Behaviour,
  type CallResult,
  type Condition,
  type Connection,
  currentProcess,
  type DictProxy,
  type Event,
  initAck,
  type JoinableQueue,
  type ListProxy,
  type Lock,
  type LockProxy,
  type NamespaceProxy,
  parentProcess,
  Process,
  type Queue,
  type QueueProxy,
  receive,
  reply,
  type Semaphore,
  type SharedArray,
  task,
  type Value,
} from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The seeds' first process: pretend to send a mail. */
export const sendMail = task(import.meta, async function sendMail(index: number) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`mail ${index} sent by ${currentProcess().name}`);
});

/** Prints the square of `x`. */
export const square = task(import.meta, function square(x: number) {
  console.log(`${x} squared is ${x * x}`);
});

/** Sends `text` back to the parent's mailbox. */
export const echoToParent = task(import.meta, function echoToParent(text: string) {
  parentProcess()!.send(`echo: ${text}`);
});

/** The seeds' subclass form: a field set in the constructor reaches the worker. */
export class MyProcess extends Process {
  /** Which of the ten processes this is. */
  index: number;

  /**
   * Creates the process.
   *
   * @param index Carried to the worker as an own field.
   */
  constructor(index: number) {
    super();
    this.index = index;
  }

  /** Prints the index and who runs it. */
  override run(): void {
    console.log(`child ${this.index} runs as ${this.name}, parent pid ${parentProcess()!.pid}`);
  }
}
task(import.meta, MyProcess);

/** Buys a ticket while holding `lock`: the seeds' ticket race, made safe. */
export const buyTicket = task(import.meta, async function buyTicket(person: string, lock: Lock) {
  await lock.withLock(async () => {
    await delay(5);
    console.log(`${person} holds the lock`);
  });
});

/** Sings in one of the karaoke rooms the semaphore counts. */
export const sing = task(import.meta, async function sing(person: string, rooms: Semaphore) {
  await rooms.withLock(() => delay(10));
  console.log(`${person} sang`);
});

/** Waits for the light to turn green, then drives. */
export const car = task(import.meta, async function car(index: number, green: Event) {
  await green.wait();
  console.log(`car ${index} passes`);
});

/** Notifies the condition once, holding its lock. */
export const notifyOnce = task(import.meta, async function notifyOnce(ready: Condition) {
  await ready.acquire();
  ready.notify();
  ready.release();
});

/** Waits at the start line with the other runners. */
export const runner = task(import.meta, async function runner(index: number, startLine: Barrier) {
  await startLine.wait();
  console.log(`runner ${index} starts`);
});

/** Adds 1 to `counter` `times` times under its lock. */
export const incrementMany = task(
  import.meta,
  async function incrementMany(counter: Value<"i32">, times: number) {
    const lock = counter.getLock();
    for (let i = 0; i < times; i++) {
      await lock.acquire();
      counter.value += 1;
      lock.release();
    }
  },
);

/** Squares every element of `numbers` in place. */
export const squareAll = task(import.meta, function squareAll(numbers: SharedArray<"i32">) {
  for (let i = 0; i < numbers.length; i++) numbers.set(i, numbers.get(i) ** 2);
});

/** Consumes numbers until the sentinel `null`. */
export const consumeUntilNull = task(
  import.meta,
  async function consumeUntilNull(q: Queue<number | null>) {
    for (let item = await q.get(); item !== null; item = await q.get()) {
      console.log(`consumed ${item}`);
    }
  },
);

/** Takes items forever, marking each done: a daemon consumer of a JoinableQueue. */
export const serveForever = task(
  import.meta,
  async function serveForever(q: JoinableQueue<string>) {
    while (true) {
      console.log(`ate ${await q.get()}`);
      q.taskDone();
    }
  },
);

/** Answers one message on the pipe. */
export const answerOnce = task(import.meta, async function answerOnce(end: Connection<string>) {
  end.send(`pong: ${await end.recv()}`);
});

/** Doubles `n`: a tiny pool task. */
export const double = task(import.meta, function double(n: number) {
  return n * 2;
});

/** Adds `a` and `b`: a pool task with two arguments, for `starmap`. */
export const add = task(import.meta, function add(a: number, b: number) {
  return a + b;
});

/** Counts each word of `text` in the managed dict, with the manager's atomic increment. */
export const countWords = task(
  import.meta,
  async function countWords(counts: DictProxy<string, number>, text: string) {
    for (const word of text.split(" ")) await counts.increment(word);
  },
);

/** Adds `amount` to `shared.count` as a read and a write, guarded by the managed lock. */
export const addUnderLock = task(
  import.meta,
  async function addUnderLock(shared: DictProxy<string, number>, lock: LockProxy, amount: number) {
    await lock.withLock(async () => {
      await shared.set("count", (await shared.get("count", 0)) + amount);
    });
  },
);

/** Appends the square of each number to the managed list. */
export const appendSquares = task(
  import.meta,
  async function appendSquares(squares: ListProxy<number>, numbers: number[]) {
    for (const n of numbers) await squares.append(n * n);
    await squares.flush();
  },
);

/** Raises the `level` attribute of the managed namespace by one. */
export const raiseLevel = task(
  import.meta,
  async function raiseLevel(settings: NamespaceProxy<{ level: number }>) {
    settings.set("level", ((await settings.get("level")) ?? 0) + 1);
    await settings.flush();
  },
);

/** Puts `0..count-1` on the managed queue, then the sentinel `null`. */
export const produceNumbers = task(
  import.meta,
  async function produceNumbers(numbers: QueueProxy<number | null>, count: number) {
    for (let i = 0; i < count; i++) await numbers.put(i);
    await numbers.put(null);
  },
);

/** Fills a cache of `size` entries, acknowledges its start with the cache's size, then ends. */
export const warmCache = task(import.meta, function warmCache(size: number) {
  const cache = new Map(Array.from({ length: size }, (_, index) => [index, index * index]));
  initAck(cache.size);
});

/** Runs until it is terminated: a long-lived service for the supervisor examples. */
export const idleForever = task(import.meta, async function idleForever() {
  while (true) await delay(1000);
});

/** Throws at once: a child that keeps crashing, for the supervisor examples. */
export const crashAtOnce = task(import.meta, function crashAtOnce(message: string) {
  throw new RangeError(message);
});

/** Replies to every ask with the message itself, until it receives "stop". */
export const echoServer = task(import.meta, async function echoServer() {
  while (true) {
    const message = await receive();
    if (message === "stop") return;
    reply(message);
  }
});

/** Waits `ms`, then throws: a linked actor that crashes. */
export const waitThenFail = task(import.meta, async function waitThenFail(ms: number) {
  await delay(ms);
  throw new Error(`failed after ${ms} ms`);
});

/** A bank account as a gen_server behaviour: casts deposit, calls read or withdraw. */
export class Account
  implements
    Behaviour<number, "balance" | { withdraw: number }, { deposit: number }, number, [number]> {
  init(balance: number): number {
    return balance;
  }

  handleCall(
    request: "balance" | { withdraw: number },
    balance: number,
  ): CallResult<number, number> {
    if (request === "balance") return { reply: balance, state: balance };
    if (request.withdraw > balance) throw new RangeError(`Insufficient funds: ${balance}`);
    return { reply: balance - request.withdraw, state: balance - request.withdraw };
  }

  handleCast(message: { deposit: number }, balance: number): number {
    return balance + message.deposit;
  }
}
task(import.meta, Account);
