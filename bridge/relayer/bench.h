// The bridge benchmark (BENCHMARKS.md, "The bridge end to end"): two real
// ballastd chains with a fixed block time on loopback ports, the token
// transfer application on both, a channel, and this relayer in process.
// N transfers of a token of A to B are signed ahead of time (not timed);
// the clock runs from the first submission until the relayer has committed
// the last acknowledgement on A, so a transfer counts once it is complete:
// locked on A, minted on B, acknowledged on A. The baseline, measured in
// the same run on chain A, is N plain token transfers timed the same way.
// At the end the vouchers on B and the escrow on A must both equal the sum
// sent, so a run under chaos is also a soak test of exactly-once delivery.

#ifndef BALLAST_BRIDGE_RELAYER_BENCH_H_
#define BALLAST_BRIDGE_RELAYER_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "bridge/relayer/relayer.h"

namespace ballast::relayer {

struct BenchOptions {
  uint32_t transfers = 500;  // 8 .. 20000
  uint32_t senders = 8;
  int block_time_ms = 200;
  std::string ballastd;
  // Both nodes' ballastd --engine: interp, compiled (each contract is
  // compiled when it is deployed, before the clock starts) or auto.
  std::string engine = "auto";
  std::string contracts_dir;
  std::string out_dir = "/tmp";  // data dirs and logs
  // The chaos relay (relayer.h) for a soak: the run then also proves that
  // nothing was lost or minted twice.
  Chaos chaos;
  uint64_t seed = 1;
};

struct BenchReport {
  uint32_t transfers = 0;
  int block_time_ms = 0;
  double seconds = 0;  // first submission -> last acknowledgement committed
  double per_second = 0;
  double baseline_per_second = 0;  // plain token transfers on A
  // Lock (the send's block on A) to mint (the receive's block on B), in
  // block time.
  double latency_mean_ms = 0;
  uint64_t latency_max_ms = 0;
  // The same, without load: ten transfers one at a time, each relayed home
  // before the next is sent.
  double light_latency_mean_ms = 0;
  uint64_t light_latency_max_ms = 0;
  uint64_t send_gas = 0;  // gas of one transfer on A (an escrow and a send)
  uint64_t recv_gas = 0;  // gas of one receive on B (a mint)
  // After the run: the vouchers on B and the escrow on A, both equal to
  // everything sent (the run fails otherwise).
  uint64_t voucher_supply = 0;
  uint64_t escrowed = 0;
  Progress relayer;  // rounds, messages, where the time went
};

absl::StatusOr<BenchReport> BenchBridge(const BenchOptions& options);

}  // namespace ballast::relayer

#endif  // BALLAST_BRIDGE_RELAYER_BENCH_H_
