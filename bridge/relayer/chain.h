// One chain as the relayer sees it: a node's API, the chain's id, and the
// relayer's key there. Everything the relayer knows of a chain comes through
// here, and everything it submits goes out through here.
//
// Not thread-safe (as api::Client).

#ifndef BALLAST_BRIDGE_RELAYER_CHAIN_H_
#define BALLAST_BRIDGE_RELAYER_CHAIN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/core/bridge.pb.h"
#include "node/api/client.h"
#include "tools/cli/keystore.h"

namespace ballast::relayer {

// The head of a chain when a round read it.
struct Head {
  uint64_t height = 0;
  int64_t time_ms = 0;
};

// What became of one submitted message.
struct Outcome {
  bool submitted = false;  // false: the node refused it (see error)
  ledger::ReceiptStatus status = ledger::RECEIPT_STATUS_UNSPECIFIED;
  std::string error;
  uint64_t gas_used = 0;
  uint64_t block_height = 0;
};

class Chain {
 public:
  // `key` must outlive this object.
  static absl::StatusOr<std::unique_ptr<Chain>> Connect(
      std::string chain_id, const std::string& url, const cli::StoredKey* key,
      std::vector<std::string> trusted_keys, uint32_t threshold);

  const std::string& id() const { return id_; }
  api::Client& node() { return *node_; }
  const std::vector<std::string>& trusted_keys() const { return keys_; }
  uint32_t threshold() const { return threshold_; }

  absl::StatusOr<Head> ReadHead();
  // The time of block `height` (cached).
  absl::StatusOr<int64_t> BlockTime(uint64_t height);

  // The records at raw bridge keys `keys` with their proofs, all at
  // `height`: one document (its entries in the order of `keys`), read
  // api::kMaxProofKeys at a time. At least one key.
  absl::StatusOr<api::ProofResponse> Prove(const std::vector<std::string>& keys,
                                           uint64_t height);

  // The header of `doc` as a light client update of `client`.
  static bridge::Msg UpdateOf(const std::string& client,
                              const api::ProofResponse& doc);

  // Submits each message as a bridge transaction (consecutive nonces, gas
  // limits `gas`) and waits until each is committed or `timeout` passed.
  // Stops submitting at the first the node refuses: the later ones would
  // wait behind a missing nonce.
  std::vector<Outcome> SubmitAll(const std::vector<bridge::Msg>& msgs,
                                 const std::vector<uint64_t>& gas,
                                 absl::Duration timeout);
  // One message, awaited; an error unless it succeeded (naming `what` and
  // the receipt's error). Returns the message's result.
  absl::StatusOr<bridge::MsgResult> Run(const bridge::Msg& msg,
                                        std::string_view what,
                                        uint64_t gas = 20'000'000);

 private:
  Chain(std::string id, std::unique_ptr<api::Client> node,
        const cli::StoredKey* key, std::vector<std::string> trusted_keys,
        uint32_t threshold)
      : id_(std::move(id)),
        node_(std::move(node)),
        key_(key),
        keys_(std::move(trusted_keys)),
        threshold_(threshold) {}

  std::string id_;
  std::unique_ptr<api::Client> node_;
  const cli::StoredKey* key_;
  std::vector<std::string> keys_;
  uint32_t threshold_;
  std::vector<std::pair<uint64_t, int64_t>> times_;  // a small cache
};

}  // namespace ballast::relayer

#endif  // BALLAST_BRIDGE_RELAYER_CHAIN_H_
