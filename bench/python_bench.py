"""The Python side of `deno task bench:compare`: the same workloads with multiprocessing.

Usage: python3 bench/python_bench.py WORKLOAD [WORKLOAD ...]
Prints one JSON object: {workload: median value}, in the unit compare.ts names for it.
"""
import json
import multiprocessing as mp
import statistics
import sys
import time


def empty():
    pass


def signal_running(conn):
    conn.send("running")


def echo(conn):
    while True:
        message = conn.recv()
        if message is None:
            return
        conn.send(message)


def spawn_join_ms(method, repeats=15, warmup=3):
    context = mp.get_context(method)
    samples = []
    for index in range(warmup + repeats):
        started = time.perf_counter()
        p = context.Process(target=empty)
        p.start()
        p.join()
        if index >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def start_to_running_ms(method, repeats=12, warmup=2):
    context = mp.get_context(method)
    samples = []
    for index in range(warmup + repeats):
        time.sleep(0.15)
        parent, child = context.Pipe()
        started = time.perf_counter()
        p = context.Process(target=signal_running, args=(child,))
        p.start()
        parent.recv()
        if index >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
        p.join()
    return statistics.median(samples)


def pipe_round_trip_us(count=2000, repeats=5):
    parent, child = mp.Pipe()
    p = mp.Process(target=echo, args=(child,))
    p.start()
    samples = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        for i in range(count):
            parent.send(i)
            parent.recv()
        samples.append((time.perf_counter() - started) / count * 1e6)
    parent.send(None)
    p.join()
    return statistics.median(samples[1:])


def lock_uncontended_ns(times=1_000_000):
    lock = mp.Lock()
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(times):
            lock.acquire()
            lock.release()
        samples.append((time.perf_counter() - started) / times * 1e9)
    return statistics.median(samples)


def churn(lock, times, go):
    go.wait()
    for _ in range(times):
        lock.acquire()
        lock.release()


def lock_contended_ns(per_process=500_000):
    lock, go = mp.Lock(), mp.Event()
    processes = [mp.Process(target=churn, args=(lock, per_process, go)) for _ in range(2)]
    for p in processes:
        p.start()
    time.sleep(0.2)
    started = time.perf_counter()
    go.set()
    for p in processes:
        p.join()
    return (time.perf_counter() - started) / (2 * per_process) * 1e9


def ponger(ping, pong, rounds):
    for _ in range(rounds):
        ping.wait()
        ping.clear()
        pong.set()


def event_round_trip_us(rounds=2000):
    ping, pong = mp.Event(), mp.Event()
    p = mp.Process(target=ponger, args=(ping, pong, rounds))
    p.start()
    started = time.perf_counter()
    for _ in range(rounds):
        ping.set()
        pong.wait()
        pong.clear()
    elapsed = time.perf_counter() - started
    p.join()
    return elapsed / rounds * 1e6


def queue_producer(q, count):
    for i in range(count):
        q.put(i)


def queue_consumer(q, count):
    for _ in range(count):
        q.get()


def queue_items_per_second(count=200_000):
    q = mp.Queue(10_000)
    processes = [
        mp.Process(target=queue_producer, args=(q, count)),
        mp.Process(target=queue_consumer, args=(q, count)),
    ]
    started = time.perf_counter()
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return count / (time.perf_counter() - started)


WORKLOADS = {
    "queue_throughput": queue_items_per_second,
    "lock_uncontended": lock_uncontended_ns,
    "lock_contended": lock_contended_ns,
    "event_round_trip": event_round_trip_us,
    "spawn_join_fork": lambda: spawn_join_ms("fork"),
    "spawn_join_forkserver": lambda: spawn_join_ms("forkserver"),
    "spawn_join_spawn": lambda: spawn_join_ms("spawn"),
    "start_to_running_fork": lambda: start_to_running_ms("fork"),
    "start_to_running_forkserver": lambda: start_to_running_ms("forkserver"),
    "start_to_running_spawn": lambda: start_to_running_ms("spawn"),
    "pipe_round_trip": pipe_round_trip_us,
}

if __name__ == "__main__":
    results = {name: WORKLOADS[name]() for name in sys.argv[1:]}
    print(json.dumps(results))
