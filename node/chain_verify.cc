#include "node/chain_verify.h"

#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "ledger/state_tree.h"
#include "node/executor.h"
#include "wasm/gas.h"
#include "wasm/runtime.h"
#include "wasm/wabt_engine.h"

namespace ballast::node {
namespace {

// Transactions the source committed were within its block gas limit, which
// this binary does not know; the replica accepts any.
constexpr uint64_t kNoBlockGasLimit = std::numeric_limits<uint64_t>::max() / 2;

std::string Show(const std::optional<std::string>& value) {
  if (!value.has_value()) return "absent";
  return value->size() <= 64 ? ToHex(*value)
                             : StrCat(ToHex(value->substr(0, 64)), "... (",
                                      value->size(), " bytes)");
}

// "table 's' key 0x..." for a store key.
std::string ShowKey(const std::string& store_key) {
  if (store_key.empty()) return "the empty key";
  return StrCat("table '", store_key.substr(0, 1), "' key 0x",
                ToHex(store_key.substr(1)));
}

// The first state key where `source` and `replica` differ, with both values,
// walking both stores' state records in key order.
absl::StatusOr<std::string> FirstStateDifference(ledger::Store& source,
                                                 ledger::Store& replica) {
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(auto a, source.NextStateRecord(after));
    ASSIGN_OR_RETURN(auto b, replica.NextStateRecord(after));
    if (!a.has_value() && !b.has_value()) {
      return std::string("no state record differs (the digests disagree)");
    }
    if (a.has_value() && b.has_value() && *a == *b) {
      after = a->first;
      continue;
    }
    const std::string key =
        !b.has_value() || (a.has_value() && a->first < b->first) ? a->first
                                                                 : b->first;
    std::optional<std::string> in_source, in_replica;
    if (a.has_value() && a->first == key) in_source = a->second;
    if (b.has_value() && b->first == key) in_replica = b->second;
    return StrCat("first differing key: ", ShowKey(key), ": ", Show(in_source),
                  " in the source, ", Show(in_replica), " re-executed");
  }
}

// The first receipt of the replica's block that differs from the source's.
absl::StatusOr<std::string> FirstReceiptDifference(
    ledger::Store& source, const ledger::BlockCommit& replica) {
  for (size_t i = 0; i < replica.receipts.size(); ++i) {
    const ledger::Receipt& mine = replica.receipts[i];
    ASSIGN_OR_RETURN(std::optional<ledger::TxRecord> record,
                     source.GetTransaction(mine.tx_hash()));
    if (!record.has_value()) {
      return StrCat("receipt ", i, ": the source has no transaction ",
                    ToHex(mine.tx_hash()));
    }
    const ledger::Receipt& theirs = record->receipt();
    if (ledger::ReceiptHash(mine) == ledger::ReceiptHash(theirs)) continue;
    std::string what =
        StrCat("receipt ", i, " (tx ", ToHex(mine.tx_hash()), "): ");
    if (mine.status() != theirs.status()) {
      return StrCat(
          what, "status ", ledger::ReceiptStatus_Name(theirs.status()),
          " in the source, ", ledger::ReceiptStatus_Name(mine.status()),
          " re-executed (", mine.error(), ")");
    }
    if (mine.gas_used() != theirs.gas_used()) {
      return StrCat(what, "gas_used ", theirs.gas_used(), " in the source, ",
                    mine.gas_used(), " re-executed");
    }
    if (mine.output() != theirs.output()) {
      return StrCat(what, "output ", Show(theirs.output()), " in the source, ",
                    Show(mine.output()), " re-executed");
    }
    return StrCat(what, "events, error or contract address differ");
  }
  return std::string("the receipts are the same; the root's inputs are not");
}

// The first state key the replica's block wrote with another value than the
// source holds at that height.
absl::StatusOr<std::string> FirstStateDifference(
    ledger::Store& source, uint64_t height,
    const ledger::BlockCommit& replica) {
  for (const auto& [store_key, value] : ledger::StateWrites(replica.changes)) {
    const ledger::StateTreeChanges one =
        ledger::StateTreeChangesOf({{store_key, value}});
    absl::StatusOr<ledger::StateTreeRead> theirs =
        source.state_tree().Get(height, one.begin()->first);
    if (!theirs.ok()) {
      if (theirs.status().code() == absl::StatusCode::kFailedPrecondition) {
        return StrCat("height ", height,
                      " is pruned from the source's state tree, so the key "
                      "cannot be named (",
                      theirs.status().message(), ")");
      }
      return theirs.status();
    }
    if (theirs->value != value) {
      return StrCat("first differing key: ", ShowKey(store_key), ": ",
                    Show(theirs->value), " in the source, ", Show(value),
                    " re-executed");
    }
  }
  return std::string(
      "every key the re-executed block wrote has the source's value: the "
      "source's block wrote other keys as well");
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyChain(ledger::Store& source,
                                         const VerifyOptions& options) {
  if (std::filesystem::exists(options.replica_dir)) {
    return absl::FailedPreconditionError(
        StrCat("verify: the replica directory ", options.replica_dir,
               " exists already"));
  }
  ledger::StoreOptions replica_options;
  replica_options.sync = false;  // a throwaway replica
  replica_options.instrumenter_version = wasm::kInstrumenterVersion;
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Store> replica,
                   ledger::Store::Open(options.replica_dir, replica_options));
  wasm::Runtime runtime(wasm::NewWabtInterpreterEngine());

  VerifyReport report;
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, source.GetHead());
  if (!head.has_value()) return report;
  std::unique_ptr<Executor> executor;
  for (uint64_t height = 1; height <= head->height; ++height) {
    ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                     source.GetBlockByHeight(height));
    if (!block.has_value()) {
      return absl::DataLossError(
          StrCat("verify: the source has no block ", height));
    }
    const ledger::BlockHeader& header = block->header();
    if (executor == nullptr) {
      executor = std::make_unique<Executor>(
          replica.get(), &runtime, header.chain_id(), kNoBlockGasLimit);
    }
    std::vector<ledger::SignedTransaction> txs(block->txs().begin(),
                                               block->txs().end());
    absl::StatusOr<ledger::BlockCommit> rebuilt =
        executor->ExecuteBlock(txs, header.time_ms(), header.producer_pubkey());
    if (!rebuilt.ok()) {
      const absl::StatusCode code = rebuilt.status().code();
      if (code != absl::StatusCode::kInvalidArgument &&
          code != absl::StatusCode::kFailedPrecondition) {
        return rebuilt.status();
      }
      report.divergence = Divergence{height, "transaction",
                                     std::string(rebuilt.status().message())};
      return report;
    }
    const ledger::BlockHeader& mine = rebuilt->block.header();
    auto diverge = [&](std::string what, const std::string& theirs_root,
                       const std::string& mine_root,
                       std::string detail) -> VerifyReport {
      report.divergence =
          Divergence{height, what,
                     StrCat(what, " ", ToHex(theirs_root), " in the source, ",
                            ToHex(mine_root), " re-executed; ", detail)};
      return report;
    };
    if (mine.tx_root() != header.tx_root()) {
      return diverge("tx_root", header.tx_root(), mine.tx_root(),
                     "the stored transactions do not hash to it");
    }
    if (mine.receipts_root() != header.receipts_root()) {
      ASSIGN_OR_RETURN(std::string detail,
                       FirstReceiptDifference(source, *rebuilt));
      return diverge("receipts_root", header.receipts_root(),
                     mine.receipts_root(), detail);
    }
    if (mine.state_root() != header.state_root()) {
      ASSIGN_OR_RETURN(std::string detail,
                       FirstStateDifference(source, height, *rebuilt));
      return diverge("state_root", header.state_root(), mine.state_root(),
                     detail);
    }
    if (ledger::BlockHash(mine) != ledger::BlockHash(header)) {
      report.divergence =
          Divergence{height, "header",
                     "the roots match but another header field differs "
                     "(parent_hash, chain_id or height)"};
      return report;
    }
    *rebuilt->block.mutable_signatures() = block->signatures();
    RETURN_IF_ERROR(Annotate(
        replica->CommitBlock(*rebuilt),
        StrCat("verify: committing block ", height, " to the replica")));
    ++report.blocks_verified;
    if (options.on_block) options.on_block(height);
  }
  // The headers say what each block wrote; the source must also hold it. A
  // store that kept its last block but lost some of its state writes (or
  // gained others) would pass every check above.
  ASSIGN_OR_RETURN(std::string theirs, source.StateDigest());
  ASSIGN_OR_RETURN(std::string mine, replica->StateDigest());
  if (theirs != mine) {
    ASSIGN_OR_RETURN(std::string first, FirstStateDifference(source, *replica));
    report.divergence = Divergence{
        head->height, "state",
        StrCat("the source's state (accounts, contracts, code and storage) "
               "after block ",
               head->height, " is not the replica's: state digest ",
               ToHex(theirs), " in the source, ", ToHex(mine), " re-executed; ",
               first)};
  }
  return report;
}

}  // namespace ballast::node
