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


def start_join_many_ms(method, count=100, repeats=3, warmup=1):
    context = mp.get_context(method)
    samples = []
    for index in range(warmup + repeats):
        started = time.perf_counter()
        processes = [context.Process(target=empty) for _ in range(count)]
        for p in processes:
            p.start()
        for p in processes:
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


def small_item(kind, i):
    if kind == "number":
        return i
    if kind == "string":
        return f"item-{i}"
    return {"id": i, "name": "widget", "tags": ["a", "b"]}


def queue_producer(q, count, kind="number"):
    for i in range(count):
        q.put(small_item(kind, i))


def queue_consumer(q, count):
    for _ in range(count):
        q.get()


def queue_items_per_second(count=200_000, kind="number"):
    q = mp.Queue(10_000)
    processes = [
        mp.Process(target=queue_producer, args=(q, count, kind)),
        mp.Process(target=queue_consumer, args=(q, count)),
    ]
    started = time.perf_counter()
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    return count / (time.perf_counter() - started)


def bytes_sink(conn, count):
    for _ in range(count):
        conn.recv_bytes()
    conn.send(count)


def pipe_bytes_64k_per_second(count=2000, repeats=3):
    payload = bytes(64 * 1024)
    samples = []
    for _ in range(repeats):
        parent, child = mp.Pipe()
        p = mp.Process(target=bytes_sink, args=(child, count))
        p.start()
        child.close()
        started = time.perf_counter()
        for _ in range(count):
            parent.send_bytes(payload)
        parent.recv()
        samples.append(count / (time.perf_counter() - started))
        p.join()
    return statistics.median(samples)


def manager_dict_set_get_ops(pairs=10_000, repeats=3):
    with mp.Manager() as manager:
        d = manager.dict()
        d["k"] = 0
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            for i in range(pairs):
                d["k"] = i
                d["k"]
            samples.append(2 * pairs / (time.perf_counter() - started))
        return statistics.median(samples)


def square(x):
    return x * x


def pool_rate(run, count, repeats=5, warmup=2):
    samples = []
    for index in range(warmup + repeats):
        started = time.perf_counter()
        run()
        if index >= warmup:
            samples.append(count / (time.perf_counter() - started))
    return statistics.median(samples)


def pool_map_tiny(count=100_000):
    items = list(range(count))
    with mp.Pool(2) as pool:
        return pool_rate(lambda: pool.map(square, items), count)


def pool_apply_async_tiny(count=10_000):
    with mp.Pool(2) as pool:
        def run():
            results = [pool.apply_async(square, (i,)) for i in range(count)]
            for result in results:
                result.get()
        return pool_rate(run, count)


def pool_map_chunk1(count=10_000):
    items = list(range(count))
    with mp.Pool(2) as pool:
        return pool_rate(lambda: pool.map(square, items, chunksize=1), count)


def pool_create_first_map_ms(repeats=7, warmup=2):
    samples = []
    for index in range(warmup + repeats):
        time.sleep(0.3)
        started = time.perf_counter()
        pool = mp.Pool(2)
        pool.map(square, [1])
        elapsed = (time.perf_counter() - started) * 1000
        pool.terminate()
        pool.join()
        if index >= warmup:
            samples.append(elapsed)
    return statistics.median(samples)


def pool_apply_round_trip_us(count=2000, repeats=5):
    with mp.Pool(2) as pool:
        samples = []
        for _ in range(repeats + 1):
            started = time.perf_counter()
            for i in range(count):
                pool.apply(square, (i,))
            samples.append((time.perf_counter() - started) / count * 1e6)
        return statistics.median(samples[1:])


WORKLOADS = {
    "pool_map_tiny": pool_map_tiny,
    "pool_apply_async_tiny": pool_apply_async_tiny,
    "pool_map_chunk1": pool_map_chunk1,
    "pool_apply_round_trip": pool_apply_round_trip_us,
    "queue_throughput": queue_items_per_second,
    "queue_throughput_string": lambda: queue_items_per_second(kind="string"),
    "queue_throughput_object": lambda: queue_items_per_second(kind="object"),
    "pipe_bytes_64k": pipe_bytes_64k_per_second,
    "lock_uncontended": lock_uncontended_ns,
    "lock_contended": lock_contended_ns,
    "event_round_trip": event_round_trip_us,
    "spawn_join_fork": lambda: spawn_join_ms("fork"),
    "spawn_join_forkserver": lambda: spawn_join_ms("forkserver"),
    "spawn_join_spawn": lambda: spawn_join_ms("spawn"),
    "start_to_running_fork": lambda: start_to_running_ms("fork"),
    "start_to_running_forkserver": lambda: start_to_running_ms("forkserver"),
    "start_to_running_spawn": lambda: start_to_running_ms("spawn"),
    "start_join_many_fork": lambda: start_join_many_ms("fork"),
    "start_join_many_forkserver": lambda: start_join_many_ms("forkserver"),
    "start_join_many_spawn": lambda: start_join_many_ms("spawn"),
    "pool_create_first_map": pool_create_first_map_ms,
    "pipe_round_trip": pipe_round_trip_us,
    "manager_dict_set_get": manager_dict_set_get_ops,
}

if __name__ == "__main__":
    results = {name: WORKLOADS[name]() for name in sys.argv[1:]}
    print(json.dumps(results))
