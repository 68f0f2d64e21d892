#include "bridge/relayer/chain.h"

#include <algorithm>

#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "node/api/proof.h"
#include "tools/cli/commands.h"

namespace ballast::relayer {

absl::StatusOr<std::unique_ptr<Chain>> Chain::Connect(
    std::string chain_id, const std::string& url, const cli::StoredKey* key,
    std::vector<std::string> trusted_keys, uint32_t threshold) {
  ASSIGN_OR_RETURN(std::unique_ptr<api::Client> node, api::Client::Create(url));
  ASSIGN_OR_RETURN(api::InfoResponse info, node->Info());
  if (info.chain_id() != chain_id) {
    return absl::FailedPreconditionError(
        StrCat("the node at ", url, " is chain '", info.chain_id(), "', not '",
               chain_id, "' as the registry says"));
  }
  return std::unique_ptr<Chain>(new Chain(std::move(chain_id), std::move(node),
                                          key, std::move(trusted_keys),
                                          threshold));
}

absl::StatusOr<Head> Chain::ReadHead() {
  ASSIGN_OR_RETURN(api::BlockView block, node_->LatestBlock());
  return Head{block.header().height(), block.header().time_ms()};
}

absl::StatusOr<int64_t> Chain::BlockTime(uint64_t height) {
  for (const auto& [h, t] : times_) {
    if (h == height) return t;
  }
  ASSIGN_OR_RETURN(api::BlockView block, node_->BlockAt(height));
  if (times_.size() >= 256) times_.erase(times_.begin());
  times_.emplace_back(height, block.header().time_ms());
  return block.header().time_ms();
}

absl::StatusOr<api::ProofResponse> Chain::Prove(
    const std::vector<std::string>& keys, uint64_t height) {
  if (keys.empty()) return absl::InvalidArgumentError("no keys to prove");
  api::ProofResponse doc;
  for (size_t i = 0; i < keys.size(); i += api::kMaxProofKeys) {
    api::ProofRequest req;
    req.set_height(height);
    const size_t end = std::min(keys.size(), i + api::kMaxProofKeys);
    for (size_t k = i; k < end; ++k) req.add_bridge_keys(keys[k]);
    ASSIGN_OR_RETURN(api::ProofResponse part, node_->Proof(req));
    if (part.chain_id() != id_ || part.height() != height ||
        part.entries_size() != static_cast<int>(end - i)) {
      return absl::DataLossError(StrCat("the node of ", id_,
                                        " answered a proof request for height ",
                                        height, " with another document"));
    }
    if (i == 0) {
      doc = std::move(part);
    } else {
      for (api::ProofEntry& e : *part.mutable_entries()) {
        *doc.add_entries() = std::move(e);
      }
    }
  }
  return doc;
}

bridge::Msg Chain::UpdateOf(const std::string& client,
                            const api::ProofResponse& doc) {
  bridge::Msg msg;
  bridge::UpdateClient* u = msg.mutable_update_client();
  u->set_client(client);
  *u->mutable_header()->mutable_header() = doc.header();
  *u->mutable_header()->mutable_signatures() = doc.signatures();
  return msg;
}

std::vector<Outcome> Chain::SubmitAll(const std::vector<bridge::Msg>& msgs,
                                      const std::vector<uint64_t>& gas,
                                      absl::Duration timeout) {
  std::vector<Outcome> out(msgs.size());
  if (msgs.empty()) return out;
  absl::StatusOr<uint64_t> nonce = node_->NextNonce(key_->address);
  if (!nonce.ok()) {
    for (Outcome& o : out) o.error = std::string(nonce.status().message());
    return out;
  }
  std::vector<std::string> hashes;
  for (size_t i = 0; i < msgs.size(); ++i) {
    ledger::Transaction tx;
    tx.set_bridge(ledger::SerializeDeterministic(msgs[i]));
    absl::StatusOr<std::string> hash = node_->Submit(
        cli::SignTx(*key_, std::move(tx), id_, *nonce + i, gas[i]));
    if (!hash.ok()) {
      for (size_t k = i; k < msgs.size(); ++k) {
        out[k].error = std::string(hash.status().message());
      }
      break;
    }
    out[i].submitted = true;
    hashes.push_back(*hash);
  }
  for (size_t i = 0; i < hashes.size(); ++i) {
    absl::StatusOr<api::TransactionView> view =
        node_->WaitCommitted(hashes[i], timeout);
    if (!view.ok()) {
      out[i].error = std::string(view.status().message());
      continue;
    }
    out[i].status = view->receipt().status();
    out[i].error = view->receipt().error();
    out[i].gas_used = view->receipt().gas_used();
    out[i].block_height = view->receipt().block_height();
  }
  return out;
}

absl::StatusOr<bridge::MsgResult> Chain::Run(const bridge::Msg& msg,
                                             std::string_view what,
                                             uint64_t gas) {
  ASSIGN_OR_RETURN(uint64_t nonce, node_->NextNonce(key_->address));
  ledger::Transaction tx;
  tx.set_bridge(ledger::SerializeDeterministic(msg));
  ASSIGN_OR_RETURN(
      api::TransactionView view,
      node_->SubmitAndWait(cli::SignTx(*key_, std::move(tx), id_, nonce, gas),
                           absl::Seconds(60)));
  if (view.receipt().status() != ledger::RECEIPT_STATUS_SUCCESS) {
    return absl::FailedPreconditionError(
        StrCat(what, " on ", id_, ": ", view.receipt().error()));
  }
  bridge::MsgResult result;
  if (!result.ParseFromString(view.receipt().output())) {
    return absl::DataLossError(
        StrCat(what, " on ", id_, ": the receipt's output is not a MsgResult"));
  }
  return result;
}

}  // namespace ballast::relayer
