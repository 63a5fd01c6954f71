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


WORKLOADS = {
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
