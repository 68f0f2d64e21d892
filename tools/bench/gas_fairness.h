// The bench's entry point: Google Benchmark's flags, plus --gas_table,
// which prints the gas-fairness kernels (GasFairness/*, gas_fairness.cc) as
// a markdown table after the run.

#ifndef BALLAST_TOOLS_BENCH_GAS_FAIRNESS_H_
#define BALLAST_TOOLS_BENCH_GAS_FAIRNESS_H_

namespace ballast::bench {

int RunBenchmarks(int argc, char** argv);

}  // namespace ballast::bench

#endif  // BALLAST_TOOLS_BENCH_GAS_FAIRNESS_H_
