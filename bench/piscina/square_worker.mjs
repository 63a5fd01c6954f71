// The task piscina runs: x => x * x, as in bench/_pool_workloads.ts.
export default function square(x) {
  return x * x;
}
