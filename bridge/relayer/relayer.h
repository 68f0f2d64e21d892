// ballast-relayer's engine: carries the packets of channels between chains
// as a client of their nodes' APIs, never of their databases. No chain
// trusts it: every message it submits carries a proof that the destination
// checks against its own light client, and the chains' records (a receipt
// per received packet, a commitment per open one) keep delivery
// exactly-once however often it resends, crashes, or races another relayer.
//
// A round (Step):
//   1. reads every chain's head, then the bridge's events up to it
//      (SendPacketEvent, WriteAckEvent of bridge::kBridgeAddress);
//   2. for each packet of a path that is still open, reads at the heads
//      read in 1, with proofs: its commitment on the source, its receipt and
//      acknowledgement on the destination. Then:
//        no commitment on the source     done (acknowledged or timed out)
//        received                        AcknowledgePacket on the source
//        not received, timed out         TimeoutPacket on the source
//        not received                    RecvPacket on the destination
//   3. per chain, one batch: an UpdateClient to the height the proofs are
//      at (if that chain's client is behind it), then the messages (at most
//      Options::max_batch); consecutive nonces, all awaited;
//   4. saves its progress (Progress, atomically).
// After kill -9 the saved progress is at most one round old; the round
// is redone, and what was already done is found done in step 2.
//
// A chaos mode (Chaos) drops, duplicates, delays and reorders messages, for
// tests and demos: the chains' rules must keep every packet delivered once.
//
// Not thread-safe.

#ifndef BALLAST_BRIDGE_RELAYER_RELAYER_H_
#define BALLAST_BRIDGE_RELAYER_RELAYER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridge/relayer/chain.h"
#include "bridge/relayer/path.h"
#include "nlohmann/json.hpp"

namespace ballast::relayer {

// Probabilities, each in [0, 1], applied to every message: dropped,
// submitted twice, held back one to three rounds; `reorder`: a chain's
// batch is shuffled (its client update too).
struct Chaos {
  double drop = 0;
  double dup = 0;
  double delay = 0;
  double reorder = 0;
  bool any() const { return drop > 0 || dup > 0 || delay > 0 || reorder > 0; }
};
// Parses "drop=0.1,dup=0.05,reorder=0.2,delay=0.1" (any subset).
absl::StatusOr<Chaos> ParseChaos(std::string_view text);

struct Options {
  size_t max_batch = 200;  // messages per chain per round
  Chaos chaos;
  uint64_t seed = 1;                        // of the chaos
  std::string progress_file;                // empty: progress is not saved
  absl::Duration wait = absl::Seconds(60);  // for each batch's receipts
};

// What the relayer has done, saved after every round (JSON).
struct Progress {
  // Per chain: the height from which its events must be read again.
  std::map<std::string, uint64_t> scan_from;
  uint64_t rounds = 0;
  uint64_t received = 0;      // RecvPacket that succeeded
  uint64_t acknowledged = 0;  // AcknowledgePacket that succeeded
  uint64_t timed_out = 0;     // TimeoutPacket that succeeded
  uint64_t updates = 0;       // UpdateClient that succeeded
  uint64_t refused = 0;       // messages a chain refused (races, chaos)
  uint64_t dropped = 0;       // messages chaos dropped
  uint64_t pending = 0;       // open packets after the last round
  uint64_t awaiting_ack = 0;  // of which received, the ack not yet relayed
  // Send-to-receive latency of the packets this relayer delivered, in ms
  // of block time (the destination block's minus the source block's).
  uint64_t latency_count = 0;
  uint64_t latency_sum_ms = 0;
  uint64_t latency_max_ms = 0;
  // Where the rounds' time went: reading events, reading records with
  // proofs (deciding), submitting and awaiting receipts.
  // The gas limit each message kind is sent with (update, receive,
  // acknowledge, timeout), learnt from the receipts; 0: the default.
  uint64_t gas_limits[4] = {0, 0, 0, 0};
  uint64_t scan_ms = 0;
  uint64_t decide_ms = 0;
  uint64_t submit_ms = 0;
  std::string last_error;  // of the last round, if it failed

  nlohmann::json ToJson() const;
  static absl::StatusOr<Progress> FromJson(const nlohmann::json& doc);
  // nullopt-free: a missing file is an empty Progress.
  static absl::StatusOr<Progress> Load(const std::string& path);
  absl::Status Save(const std::string& path) const;
};

class Relayer {
 public:
  // `chains` (by chain id) must hold both ends of every path.
  Relayer(std::map<std::string, Chain*> chains, std::vector<Path> paths,
          Options options, Progress progress);

  // One round (above). An error leaves the open packets for the next round.
  absl::Status Step();

  const Progress& progress() const { return progress_; }

 private:
  // A packet of path `path` sent from end `from`.
  using PacketId = std::tuple<size_t, int, uint64_t>;
  struct Open {
    bridge::Packet packet;
    uint64_t sent_height = 0;  // on the source
    bool have_ack = false;
    bridge::Acknowledgement ack;
    uint64_t ack_height = 0;  // on the destination
  };
  enum Kind { kUpdate, kRecv, kAck, kTimeout, kKinds };
  struct Pending {
    bridge::Msg msg;
    Kind kind;
    int release_round = 0;  // chaos delay
    PacketId id;
    int64_t sent_time_ms = 0;  // kRecv: for the latency
  };

  absl::Status Scan(const std::string& chain_id, uint64_t to_height);
  void See(const std::string& chain_id, const api::EventView& e);
  absl::Status Decide(const std::map<std::string, Head>& heads,
                      std::map<std::string, std::vector<Pending>>* batches);
  absl::Status Submit(const std::string& chain_id, std::vector<Pending> batch);
  void SaveProgress();

  std::map<std::string, Chain*> chains_;
  std::vector<Path> paths_;
  Options options_;
  Progress progress_;
  std::map<PacketId, Open> open_;
  std::map<std::string, uint64_t> scanned_;  // next height to read, per chain
  std::map<std::string, std::vector<Pending>> held_;  // chaos delay
  uint64_t gas_[kKinds];  // the gas limit each kind is sent with
  std::mt19937_64 rng_;
};

}  // namespace ballast::relayer

#endif  // BALLAST_BRIDGE_RELAYER_RELAYER_H_
