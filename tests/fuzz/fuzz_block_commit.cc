// Fuzz target "block_commit": the validation a block passes before it is
// committed (ledger::Store::CommitBlock, which runs ValidateCommit before any
// write), on a fresh store in memory for every input. The input holds a
// Block, receipts and state changes (parts split by FuzzInput); flag bits
// repair what the fuzzer cannot compute (heights, hashes, roots, sizes), so
// the later checks are reached as well as the early ones. Invariants: a
// refusal leaves the store empty; an accepted block is the head, reads back
// byte-identical, and cannot be committed twice.

#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <memory>
#include <string>

#include "ledger/ballast.pb.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/state_changes.h"
#include "ledger/store.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace ballast;          // NOLINT
using namespace ballast::ledger;  // NOLINT

std::string Sized(std::string s, size_t n, bool fix) {
  if (fix) s.resize(n, '\0');
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static google::protobuf::LogSilencer* silence =
      new google::protobuf::LogSilencer;  // libprotobuf logs bad UTF-8
  (void)silence;
  test::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const bool fix_position = flags & 1, fix_tx_root = flags & 2,
             fix_receipts = flags & 4, fix_sizes = flags & 8,
             fix_state_root = flags & 16;
  BlockCommit commit;
  if (!commit.block.ParseFromString(in.Take())) return 0;
  const int receipts = in.Byte() % 5;
  for (int i = 0; i < receipts; ++i) {
    Receipt r;
    if (!r.ParseFromString(in.Take())) return 0;
    commit.receipts.push_back(r);
  }
  const int changes = in.Byte() % 8;
  for (int i = 0; i < changes; ++i) {
    const uint8_t kind = in.Byte();
    const std::string key = in.Take();
    const std::string value = in.Take();
    switch (kind % 4) {
      case 0: {
        std::optional<std::string> v;
        if (kind & 4) v = value;
        commit.changes.storage[{Sized(key, 20, fix_sizes), in.Take()}] = v;
        break;
      }
      case 1: {
        Account a;
        if (!a.ParseFromString(value)) return 0;
        commit.changes.accounts[Sized(key, 20, fix_sizes)] = a;
        break;
      }
      case 2: {
        ContractInfo c;
        if (!c.ParseFromString(value)) return 0;
        if (fix_sizes) c.set_code_hash(Sized(c.code_hash(), 32, true));
        commit.changes.contracts[Sized(key, 20, fix_sizes)] = c;
        break;
      }
      case 3: {
        CodeRecord c;
        if (!c.ParseFromString(value)) return 0;
        const std::string hash = Sized(key, 32, fix_sizes);
        if (fix_sizes) c.set_original_hash(hash);
        commit.changes.codes[hash] = c;
        break;
      }
    }
  }

  BlockHeader* header = commit.block.mutable_header();
  if (fix_position) {
    header->set_height(1);
    header->set_parent_hash(ZeroHash());
    if (header->chain_id().empty()) header->set_chain_id("fuzz-1");
  }
  if (fix_tx_root) header->set_tx_root(ComputeTxRoot(commit.block.txs()));
  if (fix_receipts) {
    commit.receipts.resize(commit.block.txs_size());
    for (int i = 0; i < commit.block.txs_size(); ++i) {
      Receipt& r = commit.receipts[i];
      r.set_tx_hash(TxHash(commit.block.txs(i)));
      r.set_block_height(header->height());
      r.set_tx_index(i);
      if (r.status() == RECEIPT_STATUS_UNSPECIFIED) {
        r.set_status(RECEIPT_STATUS_SUCCESS);
      }
      for (int e = 0; e < r.events_size(); ++e) {
        Event* ev = r.mutable_events(e);
        ev->set_block_height(header->height());
        ev->set_tx_index(i);
        ev->set_event_index(e);
      }
    }
  }
  if (fix_receipts) {
    header->set_receipts_root(ComputeReceiptsRoot(commit.receipts));
  }

  std::unique_ptr<leveldb::Env> env(
      leveldb::NewMemEnv(leveldb::Env::Default()));
  StoreOptions options;
  options.env = env.get();
  options.sync = false;
  options.block_cache_bytes = 1 << 20;
  auto store = Store::Open("/fuzz-block", options);
  FUZZ_CHECK(store.ok());
  // The state tree's root of the changes, where they are well formed; the
  // block is then signed by a fixed producer key.
  if (fix_state_root) {
    auto root = (*store)->ComputeStateRoot(commit.changes);
    if (root.ok()) header->set_state_root(*root);
    static const KeyPair* const kProducer =
        new KeyPair(*KeyPairFromSeed(std::string(32, 'F')));
    header->set_producer_pubkey(kProducer->public_key);
    commit.block.clear_signatures();
    BlockSignature* sig = commit.block.add_signatures();
    sig->set_pubkey(kProducer->public_key);
    sig->set_signature(Sign(*kProducer, BlockHash(*header)));
  }
  absl::Status s = (*store)->CommitBlock(commit);
  auto head = (*store)->GetHead();
  FUZZ_CHECK(head.ok());
  if (!s.ok()) {
    FUZZ_CHECK(!head->has_value());
    return 0;
  }
  FUZZ_CHECK(head->has_value() && (*head)->height == header->height());
  FUZZ_CHECK((*head)->hash == BlockHash(*header));
  auto stored = (*store)->GetBlockByHeight(header->height());
  FUZZ_CHECK(stored.ok() && stored->has_value());
  FUZZ_CHECK(SerializeDeterministic(**stored) ==
             SerializeDeterministic(commit.block));
  FUZZ_CHECK(!(*store)->CommitBlock(commit).ok());
  return 0;
}
