/**
 * The seeds' traffic light: an Event is the light (set = green). A daemon process switches it
 * every 300 ms; ten cars arrive at random, wait while it is red, and pass when it turns green.
 * The light is a daemon: it stops by itself when the cars are done.
 *
 * Run: deno task example:traffic_light
 */
import { Event, Process } from "../mod.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function trafficLight(green: Event): Promise<void> {
  while (true) {
    console.log(green.isSet() ? "\x1b[31mred\x1b[0m" : "\x1b[32mgreen\x1b[0m");
    if (green.isSet()) green.clear();
    else green.set();
    await delay(300);
  }
}

export async function car(index: number, green: Event): Promise<void> {
  if (!green.isSet()) console.log(`car ${index} waits`);
  await green.wait();
  console.log(`car ${index} passes`);
}

if (import.meta.main) {
  const green = new Event();
  new Process({ target: trafficLight, args: [green], daemon: true }).start();
  const cars: Process[] = [];
  for (let index = 0; index < 10; index++) {
    await delay(Math.random() * 120);
    const p = new Process({ target: car, args: [index, green] });
    p.start();
    cars.push(p);
  }
  for (const p of cars) await p.join();
  console.log("all ten cars passed");
}
