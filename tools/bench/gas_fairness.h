// The bench's entry point: Google Benchmark's flags, plus --gas_table,
// which prints the gas-fairness kernels (GasFairness/*, gas_fairness.cc) as
// markdown tables, one per engine tier, after the run.

#ifndef BALLAST_TOOLS_BENCH_GAS_FAIRNESS_H_
#define BALLAST_TOOLS_BENCH_GAS_FAIRNESS_H_

namespace ballast::bench {

// Registers GasFairness/<kernel>/<tier> and FullBlock/<kernel>/<tier> for
// the tiers asked for ("interp", "compiled").
void RegisterGasFairness(bool interp, bool compiled);

int RunBenchmarks(int argc, char** argv);

}  // namespace ballast::bench

#endif  // BALLAST_TOOLS_BENCH_GAS_FAIRNESS_H_
