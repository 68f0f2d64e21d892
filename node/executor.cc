#include "node/executor.h"

#include <google/protobuf/descriptor.pb.h>

#include <chrono>
#include <optional>

#include "bridge/core/module.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/hashing.h"
#include "ledger/state_at.h"
#include "ledger/state_changes.h"
#include "node/bridge_host.h"

namespace ballast::node {
namespace {

using ledger::BlockCommit;
using ledger::Receipt;
using ledger::SignedTransaction;
using ledger::StateChanges;
using ledger::Store;

// The code a contract record names, by its executable hash (code records are
// content-addressed and never deleted, so any height's record finds it).
absl::StatusOr<std::optional<wasm::ContractCode>> CodeByHash(
    Store& store, std::string_view contract, const std::string& hash) {
  ASSIGN_OR_RETURN(std::optional<ledger::CodeRecord> code, store.GetCode(hash));
  if (!code.has_value()) {
    return absl::DataLossError(
        StrCat("contract ", ToHex(contract), " has no code record"));
  }
  return wasm::ContractCode{hash, code->wasm()};
}

// The state a query sees: world state after one block, read through the
// state tree, so that a query reads one height throughout, however many
// blocks commit while it runs. The contract records and storage come from
// the tree; the code from the store's record under the executable hash the
// contract record at that height names: code records are keyed by their
// content's hash (Store::CommitBlock checks it) and never deleted, so it is
// the record the tree holds at that height, without re-hashing the module
// (tens of KiB) on every query.
class TreeState final : public wasm::ChainState {
 public:
  TreeState(Store* store, uint64_t height)
      : store_(store), state_(&store->state_tree(), height) {}

  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) override {
    return state_.GetStorage(contract, key);
  }

  absl::StatusOr<std::optional<wasm::ContractCode>> GetCode(
      std::string_view contract) override {
    ASSIGN_OR_RETURN(std::optional<ledger::ContractInfo> info,
                     state_.GetContract(contract));
    if (!info.has_value()) return std::nullopt;
    return CodeByHash(*store_, contract, info->executable_hash());
  }

 private:
  Store* store_;
  ledger::StateAt state_;
};

// The state a transaction sees: the block's changes so far over the store,
// plus (during a deploy's init) the contract being deployed.
class BlockState final : public wasm::ChainState {
 public:
  BlockState(Store* store, const StateChanges* changes)
      : store_(store), changes_(changes) {}

  void Stage(std::string address, ledger::CodeRecord code,
             std::string executable_hash) {
    staged_address_ = std::move(address);
    staged_code_ = std::move(code);
    staged_hash_ = std::move(executable_hash);
  }
  void Unstage() { staged_address_.reset(); }

  absl::StatusOr<std::optional<std::string>> GetStorage(
      std::string_view contract, std::string_view key) override {
    if (changes_ != nullptr) {
      auto it =
          changes_->storage.find({std::string(contract), std::string(key)});
      if (it != changes_->storage.end()) return it->second;
    }
    return store_->GetStorage(contract, key);
  }

  absl::StatusOr<std::optional<wasm::ContractCode>> GetCode(
      std::string_view contract) override {
    if (staged_address_.has_value() && *staged_address_ == contract) {
      return wasm::ContractCode{staged_hash_, staged_code_.wasm()};
    }
    std::optional<ledger::ContractInfo> info;
    if (changes_ != nullptr) {
      auto it = changes_->contracts.find(std::string(contract));
      if (it != changes_->contracts.end()) info = it->second;
    }
    if (!info.has_value()) {
      ASSIGN_OR_RETURN(info, store_->GetContract(contract));
    }
    if (!info.has_value()) return std::nullopt;
    // Code is keyed (and the runtime caches it) by its executable hash.
    const std::string& hash = info->executable_hash();
    if (changes_ != nullptr) {
      auto it = changes_->codes.find(hash);
      if (it != changes_->codes.end()) {
        return wasm::ContractCode{hash, it->second.wasm()};
      }
    }
    return CodeByHash(*store_, contract, hash);
  }

  absl::StatusOr<ledger::Account> GetAccount(const std::string& address) {
    if (changes_ != nullptr) {
      auto it = changes_->accounts.find(address);
      if (it != changes_->accounts.end()) return it->second;
    }
    return store_->GetAccount(address);
  }

 private:
  Store* store_;
  const StateChanges* changes_;  // null for head-only reads
  std::optional<std::string> staged_address_;
  ledger::CodeRecord staged_code_;
  std::string staged_hash_;  // its executable hash
};

// Wall time for BuildStats; it never influences what is built.
class Stopwatch {
 public:
  void Restart() { start_ = std::chrono::steady_clock::now(); }
  double Ms() const {
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

void ApplyWrites(const wasm::WriteSet& writes, StateChanges* changes) {
  for (const auto& [key, value] : writes) changes->storage[key] = value;
}

void FillEvents(const std::vector<wasm::Event>& events, uint64_t height,
                uint32_t tx_index, Receipt* receipt) {
  uint32_t index = 0;
  for (const wasm::Event& e : events) {
    ledger::Event* out = receipt->add_events();
    out->set_contract(e.contract);
    out->set_name(e.name);
    out->set_data(e.data);
    out->set_block_height(height);
    out->set_tx_index(tx_index);
    out->set_event_index(index++);
  }
}

}  // namespace

absl::Status AddCreatedContracts(
    Store& store, const std::vector<wasm::CreatedContract>& created,
    uint64_t height, StateChanges* changes) {
  for (const wasm::CreatedContract& c : created) {
    std::optional<ledger::ContractInfo> tmpl;
    if (auto it = changes->contracts.find(c.template_address);
        it != changes->contracts.end()) {
      tmpl = it->second;
    } else {
      ASSIGN_OR_RETURN(tmpl, store.GetContract(c.template_address));
    }
    if (!tmpl.has_value()) {
      return absl::InternalError(
          StrCat("created contract ", ToHex(c.address), ": template ",
                 ToHex(c.template_address), " has no record"));
    }
    ledger::ContractInfo info;
    info.set_code_hash(tmpl->code_hash());
    info.set_executable_hash(tmpl->executable_hash());
    info.set_creator(c.creator);
    info.set_created_height(height);
    // Always a deployed contract's, never a chain of templates.
    info.set_interface_of(tmpl->interface_of().empty() ? c.template_address
                                                       : tmpl->interface_of());
    changes->contracts[c.address] = std::move(info);
  }
  return absl::OkStatus();
}

ledger::ReceiptStatus StatusFor(wasm::FailureKind kind) {
  switch (kind) {
    case wasm::FailureKind::kNone:
      return ledger::RECEIPT_STATUS_SUCCESS;
    case wasm::FailureKind::kAbort:
      return ledger::RECEIPT_STATUS_ABORTED;
    case wasm::FailureKind::kTrap:
      return ledger::RECEIPT_STATUS_TRAPPED;
    case wasm::FailureKind::kOutOfGas:
      return ledger::RECEIPT_STATUS_OUT_OF_GAS;
    case wasm::FailureKind::kLimit:
    // Blocks run without a deadline (wasm/gas.h); listed for completeness.
    case wasm::FailureKind::kDeadline:
      return ledger::RECEIPT_STATUS_LIMIT_EXCEEDED;
    case wasm::FailureKind::kInvalid:
    case wasm::FailureKind::kInternal:
      return ledger::RECEIPT_STATUS_REJECTED;
  }
  return ledger::RECEIPT_STATUS_UNSPECIFIED;
}

Executor::Executor(Store* store, wasm::Runtime* runtime, std::string chain_id,
                   uint64_t block_gas_limit)
    : store_(store),
      runtime_(runtime),
      chain_id_(std::move(chain_id)),
      block_gas_limit_(block_gas_limit) {}

absl::StatusOr<CheckedTx> Executor::CheckTransaction(
    const SignedTransaction& stx) const {
  if (stx.tx().size() > kMaxTxBytes) {
    return absl::InvalidArgumentError(StrCat("transaction of ", stx.tx().size(),
                                             " bytes exceeds the limit of ",
                                             kMaxTxBytes));
  }
  CheckedTx checked;
  if (!checked.tx.ParseFromString(stx.tx())) {
    return absl::InvalidArgumentError("transaction bytes do not parse");
  }
  const ledger::Transaction& tx = checked.tx;
  if (tx.chain_id() != chain_id_) {
    return absl::InvalidArgumentError(StrCat("wrong chain id '", tx.chain_id(),
                                             "' (this chain is '", chain_id_,
                                             "')"));
  }
  if (tx.sender_pubkey().size() != kPublicKeySize) {
    return absl::InvalidArgumentError(StrCat("sender public key must be ",
                                             kPublicKeySize, " bytes, got ",
                                             tx.sender_pubkey().size()));
  }
  if (!Verify(tx.sender_pubkey(), stx.tx(), stx.signature())) {
    return absl::InvalidArgumentError(
        "bad signature: not the sender's signature of these transaction bytes");
  }
  if (tx.gas_limit() > block_gas_limit_) {
    return absl::InvalidArgumentError(StrCat("gas limit ", tx.gas_limit(),
                                             " exceeds the block gas limit ",
                                             block_gas_limit_));
  }
  if (tx.kind_case() == ledger::Transaction::KIND_NOT_SET) {
    return absl::InvalidArgumentError(
        "transaction is neither a deploy, a call nor a bridge message");
  }
  if (tx.has_bridge()) {
    bridge::Msg msg;
    if (!msg.ParseFromString(tx.bridge())) {
      return absl::InvalidArgumentError("the bridge message does not parse");
    }
    if (msg.kind_case() == bridge::Msg::KIND_NOT_SET) {
      return absl::InvalidArgumentError(
          "the bridge message names no operation");
    }
  }
  if (tx.has_call() && tx.call().contract().size() != kAddressSize) {
    return absl::InvalidArgumentError(StrCat("contract address must be ",
                                             kAddressSize, " bytes, got ",
                                             tx.call().contract().size()));
  }
  checked.hash = ledger::TxHash(stx);
  checked.sender = AddressFromPublicKey(tx.sender_pubkey());
  return checked;
}

absl::StatusOr<BlockCommit> Executor::BuildBlock(
    const std::vector<SignedTransaction>& txs, int64_t time_ms,
    const KeyPair& producer, BuildStats* stats,
    const std::vector<CheckedTx>* prechecked,
    std::vector<RejectedTx>* rejected) {
  ASSIGN_OR_RETURN(BlockCommit commit,
                   ExecuteBlock(txs, time_ms, producer.public_key, stats,
                                prechecked, rejected));
  Stopwatch watch;
  ledger::BlockSignature* sig = commit.block.add_signatures();
  sig->set_pubkey(producer.public_key);
  sig->set_signature(Sign(producer, ledger::BlockHash(commit.block.header())));
  if (stats != nullptr) stats->finish_ms += watch.Ms();
  return commit;
}

absl::StatusOr<BlockCommit> Executor::ExecuteBlock(
    const std::vector<SignedTransaction>& txs, int64_t time_ms,
    std::string_view producer_pubkey, BuildStats* stats,
    const std::vector<CheckedTx>* prechecked,
    std::vector<RejectedTx>* rejected) {
  if (prechecked != nullptr && prechecked->size() != txs.size()) {
    return absl::InvalidArgumentError(StrCat(txs.size(), " transactions but ",
                                             prechecked->size(),
                                             " check results"));
  }
  BuildStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  Stopwatch watch;
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, store_->GetHead());
  std::string parent_hash = ledger::ZeroHash();
  uint64_t height = 1;
  if (head.has_value()) {
    parent_hash = head->hash;
    height = head->height + 1;
  }

  BlockCommit commit;
  StateChanges& changes = commit.changes;
  BlockState state(store_, &changes);
  uint64_t block_gas = 0;

  for (size_t i = 0; i < txs.size(); ++i) {
    const SignedTransaction& stx = txs[i];
    // Its position in the block (transactions left out take none).
    const uint32_t index = static_cast<uint32_t>(commit.block.txs_size());
    watch.Restart();
    absl::StatusOr<CheckedTx> checked =
        prechecked != nullptr ? (*prechecked)[i] : CheckTransaction(stx);
    stats->check_ms += watch.Ms();
    // An invalid transaction fails the block, or with `rejected` is left
    // out of it; nothing of it is written either way.
    auto refuse = [&](const absl::Status& why) -> absl::Status {
      absl::Status s = Annotate(why, StrCat("transaction ", i));
      if (rejected == nullptr) return s;
      rejected->push_back(
          RejectedTx{checked.ok() ? checked->hash : ledger::TxHash(stx), s});
      return absl::OkStatus();
    };
    if (!checked.ok()) {
      RETURN_IF_ERROR(refuse(checked.status()));
      continue;
    }
    const ledger::Transaction& tx = checked->tx;
    ASSIGN_OR_RETURN(ledger::Account account,
                     state.GetAccount(checked->sender));
    if (tx.nonce() != account.nonce()) {
      RETURN_IF_ERROR(refuse(absl::InvalidArgumentError(
          StrCat("nonce ", tx.nonce(), " but the sender's next nonce is ",
                 account.nonce()))));
      continue;
    }
    if (block_gas + tx.gas_limit() > block_gas_limit_) {
      RETURN_IF_ERROR(refuse(absl::InvalidArgumentError(
          StrCat("block gas limit ", block_gas_limit_, " exceeded"))));
      continue;
    }
    block_gas += tx.gas_limit();
    account.set_nonce(account.nonce() + 1);
    changes.accounts[checked->sender] = account;

    Receipt receipt;
    receipt.set_tx_hash(checked->hash);
    receipt.set_block_height(height);
    receipt.set_tx_index(index);

    uint64_t intrinsic = kGasTxBase + kGasPerTxByte * stx.tx().size();
    if (tx.has_deploy())
      intrinsic += kGasPerDeployByte * tx.deploy().code().size();
    auto fail = [&](ledger::ReceiptStatus status, const std::string& error,
                    uint64_t gas_used) {
      receipt.set_status(status);
      receipt.set_error(error);
      receipt.set_gas_used(gas_used);
    };
    // Puts a runtime outcome in the receipt and, on success, its writes in
    // the block's changes, after the bridge has committed the packets it
    // sent (a packet the bridge refuses fails the transaction). Returns
    // whether the call succeeded; an error if the store failed.
    auto record = [&](wasm::CallOutcome& out) -> absl::StatusOr<bool> {
      if (!out.status.ok()) {
        fail(StatusFor(out.failure), std::string(out.status.message()),
             intrinsic + out.gas_used);
        return false;
      }
      uint64_t bridge_gas = 0;
      if (!out.packets.empty()) {
        BridgeTx btx(store_, &changes, &state, runtime_, {height, time_ms},
                     tx.gas_limit() - intrinsic - out.gas_used);
        absl::Status sent = btx.Send(out.packets);
        if (IsStoreFailure(sent)) {
          return Annotate(sent, StrCat("transaction ", index));
        }
        if (!sent.ok()) {
          const bool gas = absl::IsResourceExhausted(sent);
          fail(gas ? ledger::RECEIPT_STATUS_OUT_OF_GAS
                   : ledger::RECEIPT_STATUS_REFUSED,
               StrCat("bridge: ", sent.message()),
               gas ? tx.gas_limit() : intrinsic + out.gas_used + btx.charged());
          return false;
        }
        bridge_gas = btx.charged();
        RETURN_IF_ERROR(btx.Commit(&changes, &out.events));
      }
      RETURN_IF_ERROR(
          AddCreatedContracts(*store_, out.created, height, &changes));
      ApplyWrites(out.writes, &changes);
      receipt.set_status(ledger::RECEIPT_STATUS_SUCCESS);
      receipt.set_gas_used(intrinsic + out.gas_used + bridge_gas);
      receipt.set_output(out.output);
      FillEvents(out.events, height, index, &receipt);
      return true;
    };

    watch.Restart();
    wasm::CallRequest req;
    req.sender = checked->sender;
    req.block = {height, time_ms};
    if (intrinsic > tx.gas_limit()) {
      fail(ledger::RECEIPT_STATUS_OUT_OF_GAS,
           StrCat("gas limit ", tx.gas_limit(), " is below the ", intrinsic,
                  " gas the transaction costs before it runs"),
           tx.gas_limit());
    } else if (tx.has_deploy()) {
      const ledger::Deploy& deploy = tx.deploy();
      std::string address = ContractAddress(checked->sender, tx.nonce());
      google::protobuf::FileDescriptorSet interface;
      auto prepared = runtime_->Prepare(deploy.code());
      if (!prepared.ok()) {
        fail(ledger::RECEIPT_STATUS_REJECTED,
             StrCat("deploy: ", prepared.status().message()), intrinsic);
      } else if (!interface.ParseFromString(deploy.interface())) {
        fail(ledger::RECEIPT_STATUS_REJECTED,
             "deploy: interface is not a serialized FileDescriptorSet",
             intrinsic);
      } else if (!prepared->has_init && !deploy.init_input().empty()) {
        fail(ledger::RECEIPT_STATUS_REJECTED,
             "deploy: init input given but the contract has no init method",
             intrinsic);
      } else {
        ledger::CodeRecord code;
        code.set_wasm(prepared->code);
        code.set_original_hash(Sha256(deploy.code()));
        code.set_instrumenter_version(prepared->instrumenter_version);
        const std::string executable_hash =
            ledger::ExecutableHash(code.instrumenter_version(), code.wasm());
        wasm::CallOutcome out;
        if (prepared->has_init) {
          state.Stage(address, code, executable_hash);
          req.contract = address;
          req.method = std::string(wasm::kInitMethod);
          req.input = deploy.init_input();
          req.gas_limit = tx.gas_limit() - intrinsic;
          req.is_deploy = true;
          out = runtime_->Call(req, state);
          state.Unstage();
        }
        if (out.failure == wasm::FailureKind::kInternal) {
          return absl::InternalError(
              StrCat("transaction ", index, ": ", out.status.message()));
        }
        // The contract's records go in first: its init may have created
        // contracts from it (bl_instantiate), whose records name it.
        ledger::ContractInfo info;
        info.set_code_hash(code.original_hash());
        info.set_executable_hash(executable_hash);
        info.set_creator(checked->sender);
        info.set_created_height(height);
        info.set_interface(deploy.interface());
        changes.contracts[address] = info;
        const bool had_code = changes.codes.contains(executable_hash);
        if (!had_code) changes.codes[executable_hash] = code;
        ASSIGN_OR_RETURN(bool ok, record(out));
        if (ok) {
          receipt.set_contract_address(address);
        } else {
          changes.contracts.erase(address);
          if (!had_code) changes.codes.erase(executable_hash);
        }
      }
    } else if (tx.has_bridge()) {
      // Checked by CheckTransaction: it parses and names an operation.
      bridge::Msg msg;
      msg.ParseFromString(tx.bridge());
      BridgeTx btx(store_, &changes, &state, runtime_, req.block,
                   tx.gas_limit() - intrinsic);
      absl::StatusOr<bridge::MsgResult> result =
          btx.Execute(msg, {checked->sender, height, time_ms});
      if (result.ok()) {
        std::vector<wasm::Event> events;
        RETURN_IF_ERROR(btx.Commit(&changes, &events));
        receipt.set_status(ledger::RECEIPT_STATUS_SUCCESS);
        receipt.set_gas_used(intrinsic + btx.charged());
        receipt.set_output(ledger::SerializeDeterministic(*result));
        FillEvents(events, height, index, &receipt);
      } else if (IsStoreFailure(result.status())) {
        // The store failed, not the message: no block from this.
        return Annotate(result.status(), StrCat("transaction ", index));
      } else if (absl::IsResourceExhausted(result.status())) {
        fail(ledger::RECEIPT_STATUS_OUT_OF_GAS,
             std::string(result.status().message()), tx.gas_limit());
      } else {
        fail(ledger::RECEIPT_STATUS_REFUSED,
             StrCat("bridge: ", result.status().message()),
             intrinsic + btx.charged());
      }
    } else {
      req.contract = tx.call().contract();
      req.method = tx.call().method();
      req.input = tx.call().input();
      req.gas_limit = tx.gas_limit() - intrinsic;
      wasm::CallOutcome out = runtime_->Call(req, state);
      if (out.failure == wasm::FailureKind::kInternal) {
        return absl::InternalError(
            StrCat("transaction ", index, ": ", out.status.message()));
      }
      RETURN_IF_ERROR(record(out).status());
    }
    *commit.block.add_txs() = stx;
    commit.receipts.push_back(std::move(receipt));
    stats->run_ms += watch.Ms();
  }

  watch.Restart();
  ledger::BlockHeader* header = commit.block.mutable_header();
  header->set_chain_id(chain_id_);
  header->set_height(height);
  header->set_parent_hash(parent_hash);
  header->set_time_ms(time_ms);
  header->set_tx_root(ledger::ComputeTxRoot(commit.block.txs()));
  header->set_receipts_root(ledger::ComputeReceiptsRoot(commit.receipts));
  ASSIGN_OR_RETURN(std::string state_root, store_->ComputeStateRoot(changes));
  header->set_state_root(std::move(state_root));
  header->set_producer_pubkey(std::string(producer_pubkey));
  stats->finish_ms += watch.Ms();
  return commit;
}

absl::StatusOr<wasm::CallOutcome> Executor::Query(const wasm::BlockInfo& at,
                                                  const std::string& contract,
                                                  const std::string& method,
                                                  const std::string& input,
                                                  uint64_t gas_limit,
                                                  absl::Time deadline) {
  TreeState state(store_, at.height);
  wasm::CallRequest req;
  req.contract = contract;
  req.method = method;
  req.input = input;
  req.sender = std::string(kAddressSize, '\0');
  req.gas_limit = gas_limit;
  req.deadline = deadline;
  req.block = at;
  wasm::CallOutcome out = runtime_->Call(req, state);
  out.writes.clear();  // a query never writes
  out.events.clear();
  out.packets.clear();
  out.created.clear();
  return out;
}

absl::StatusOr<wasm::CallOutcome> Executor::Query(const std::string& contract,
                                                  const std::string& method,
                                                  const std::string& input,
                                                  uint64_t gas_limit,
                                                  absl::Time deadline) {
  // The head block's height and time: a contract that checks how old a
  // price is sees the chain's time, as the next block would at the earliest.
  wasm::BlockInfo at;
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, store_->GetHead());
  if (head.has_value()) {
    ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                     store_->GetBlockByHeight(head->height));
    if (!block.has_value()) {
      return absl::DataLossError(
          StrCat("query: head block ", head->height, " is missing"));
    }
    at = {head->height, block->header().time_ms()};
  }
  return Query(at, contract, method, input, gas_limit, deadline);
}

}  // namespace ballast::node
