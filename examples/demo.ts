/**
 * A short tour of what exists: processes and join, the subclass form, daemons, terminate and
 * kill, mailboxes, actors that ask and are monitored, errors that reach the parent, and exit
 * codes.
 *
 * Run: deno task demo
 */
import {
  activeChildren,
  currentProcess,
  exit,
  monitor,
  parentProcess,
  Process,
  receive,
  reply,
  spawn,
} from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function heading(title: string): void {
  console.log(`\n== ${title}`);
}

export async function sendMail(index: number): Promise<void> {
  await delay(50);
  console.log(`  mail ${index} sent by ${currentProcess().name} (pid ${currentProcess().pid})`);
}

export class Greeter extends Process {
  constructor(public greeting: string) {
    super();
  }

  override run(): void {
    console.log(`  ${this.greeting} from ${this.name}, child of pid ${parentProcess()!.pid}`);
  }
}

export async function ticker(): Promise<void> {
  for (let tick = 1;; tick++) {
    console.log(`  daemon tick ${tick}`);
    await delay(60);
  }
}

export async function echo(): Promise<void> {
  while (true) {
    const message = await receive<string>();
    if (message === "bye") return;
    parentProcess()!.send(message.toUpperCase());
  }
}

export async function calculator(): Promise<void> {
  while (true) {
    const [a, b] = await receive<[number, number]>();
    if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
    reply(a / b);
  }
}

export function divide(a: number, b: number): number {
  if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
  return a / b;
}

export function quit(code: number): void {
  exit(code);
}

if (import.meta.main) {
  heading("Process, start, join: three mails in parallel");
  const mails = [1, 2, 3].map((index) => new Process({ target: sendMail, args: [index] }));
  for (const p of mails) p.start();
  for (const p of mails) await p.join();
  console.log(`  exit codes: ${mails.map((p) => p.exitcode).join(", ")}`);

  heading("The subclass form: fields travel with the process");
  const greeter = new Greeter("hello");
  await greeter.start();
  await greeter.join();

  heading("A daemon ends with its parent's code; terminate() and kill() end a process");
  const daemon = new Process({ target: ticker, daemon: true });
  await daemon.start();
  await delay(150);
  await daemon.terminate();
  console.log(`  daemon terminated: isAlive() ${daemon.isAlive()}, exitcode ${daemon.exitcode}`);

  heading("Mailboxes: send, receive, reply");
  const echoer = new Process({ target: echo });
  await echoer.start();
  for (const word of ["actors", "all", "the", "way"]) echoer.send(word);
  for (let i = 0; i < 4; i++) console.log(`  reply: ${await receive()}`);
  echoer.send("bye");
  await echoer.join();

  heading("Actors: ask and reply, monitors");
  const calc = await spawn<[number, number], number>(calculator);
  const down = monitor(calc.ref);
  console.log(`  ask 84 / 2: ${await calc.ask([84, 2], { timeout: 5000 })}`);
  await calc.ask([1, 0]).catch((error) => console.log(`  ask 1 / 0: ${error.name}`));
  const reason = await down;
  console.log(`  monitor: the calculator ended (${reason.kind}: ${reason.error?.message})`);

  heading("Errors reach the parent; exit(code) sets the exit code");
  const failing = new Process({ target: divide, args: [1, 0] });
  await failing.start();
  await failing.join();
  console.log(
    `  exitcode ${failing.exitcode}, p.error: ${failing.error?.name}: ${failing.error?.message}`,
  );
  const quitter = new Process({ target: quit, args: [3] });
  await quitter.start();
  await quitter.join();
  console.log(`  exit(3) in the child: exitcode ${quitter.exitcode}`);

  heading("Nothing is left behind");
  console.log(`  active children: ${activeChildren().length}`);
}
