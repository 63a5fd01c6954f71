/**
 * A bank built from named actors and ask: the bank is a gen_server behaviour registered as
 * "bank"; customer actors find it with `whereis`, not through their parent, and `ask` it for
 * deposits, withdrawals and transfers. The bank holds the balances alone, so there is no lock
 * and no race: each request is handled whole, one at a time. An overdraft is refused with an
 * error that reaches the customer who asked; the bank keeps running.
 *
 * Run: deno task example:bank_accounts
 */
import {
  type Behaviour,
  type CallResult,
  parentProcess,
  spawn,
  startServer,
  whereis,
} from "../mod.ts";

type Request =
  | { open: string }
  | { deposit: number; to: string }
  | { withdraw: number; from: string }
  | { transfer: number; from: string; to: string }
  | { balance: string };

type Accounts = Map<string, number>;

/** The bank: account balances, changed only by the requests it answers. */
export class Bank implements Behaviour<Accounts, Request, never, number, []> {
  init(): Accounts {
    return new Map();
  }

  handleCall(request: Request, accounts: Accounts): CallResult<Accounts, number> {
    if ("open" in request) return { reply: accounts.set(request.open, 0).size, state: accounts };
    if ("balance" in request) {
      return { reply: balanceOf(accounts, request.balance), state: accounts };
    }
    if ("deposit" in request) return change(accounts, request.to, request.deposit);
    if ("withdraw" in request) return change(accounts, request.from, -request.withdraw);
    change(accounts, request.from, -request.transfer);
    change(accounts, request.to, request.transfer);
    return { reply: balanceOf(accounts, request.from), state: accounts };
  }
}

function balanceOf(accounts: Accounts, name: string): number {
  const balance = accounts.get(name);
  if (balance === undefined) throw new RangeError(`No account named ${name}`);
  return balance;
}

function change(accounts: Accounts, name: string, amount: number): CallResult<Accounts, number> {
  const balance = balanceOf(accounts, name) + amount;
  if (balance < 0) {
    throw new RangeError(`Refused: ${name} has ${balance - amount}, cannot pay ${-amount}`);
  }
  accounts.set(name, balance);
  return { reply: balance, state: accounts };
}

/** A customer: finds the bank by name, opens an account, pays in, then tries to overdraw. */
export async function customer(name: string, salary: number): Promise<void> {
  const bank = (await whereis<Request, number>("bank"))!;
  await bank.ask({ open: name });
  await bank.ask({ deposit: salary, to: name });
  await parentProcess()!.send({ ready: name });
  let note = "";
  try {
    await bank.ask({ withdraw: salary * 10, from: name });
  } catch (error) {
    note = (error as Error).message;
  }
  await parentProcess()!.send({ name, note });
}

if (import.meta.main) {
  const { receive } = await import("../mod.ts");
  await using bank = await startServer(Bank, [], { register: "bank" });
  const people: [string, number][] = [["ann", 100], ["bob", 80], ["cy", 50]];
  const customers = await Promise.all(people.map((args) => spawn(customer, args)));
  for (const _ of people) await receive((m) => typeof m === "object" && "ready" in m!);
  const transfers = [["ann", "bob"], ["bob", "cy"], ["cy", "ann"]];
  for (const [from, to] of transfers) await bank.call({ transfer: 10, from, to });
  for (const _ of people) {
    const { name, note } = await receive<{ name: string; note: string }>((m) =>
      typeof m === "object" && "note" in m!
    );
    console.log(`${name}: ${note}`);
  }
  for (const customer of customers) await customer.join();
  for (const [name] of people) {
    console.log(`${name} has ${await bank.call({ balance: name })}`);
  }
  console.log("the bank kept running through every refused request");
}
