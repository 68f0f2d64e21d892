#include "node/service.h"

#include <algorithm>
#include <limits>

#include "bridge/core/bridge.pb.h"
#include "bridge/core/host.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/base/version.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/keys.h"
#include "ledger/state_at.h"
#include "ledger/state_tree.h"
#include "node/api/errors.h"
#include "node/api/proof.h"
#include "node/api/views.h"
#include "wasm/limits.h"

namespace ballast::node {
namespace {

constexpr size_t kMaxInterfaceCache = 1024;

absl::Status CheckSize(std::string_view bytes, size_t size,
                       std::string_view what) {
  if (bytes.size() == size) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(what, " must be ", size, " bytes, got ", bytes.size()));
}

// Why `height` cannot be read: outside the heights whose state the tree
// keeps (`verb`: "proved", "queried").
absl::Status NotRetained(const ledger::StateTree& tree, uint64_t height,
                         uint64_t head, std::string_view verb) {
  ASSIGN_OR_RETURN(uint64_t oldest, tree.OldestVersion());
  return absl::OutOfRangeError(StrCat("height ", height, " cannot be ", verb,
                                      ": the node keeps the state of heights ",
                                      std::max<uint64_t>(oldest, 1), "..", head,
                                      height > head
                                          ? " (the head is the newest)"
                                          : " (older heights are pruned)"));
}

// Block `height` of a chain whose head is `head`, if the state tree keeps
// its state; NotRetained otherwise.
absl::StatusOr<ledger::Block> RetainedBlock(ledger::Store& store,
                                            uint64_t height, uint64_t head,
                                            std::string_view verb) {
  const ledger::StateTree& tree = store.state_tree();
  ASSIGN_OR_RETURN(uint64_t oldest, tree.OldestVersion());
  if (height == 0 || height < oldest || height > head) {
    return NotRetained(tree, height, head, verb);
  }
  ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                   store.GetBlockByHeight(height));
  if (!block.has_value()) {
    return absl::InternalError(StrCat("block ", height, " is missing"));
  }
  return *std::move(block);
}

uint32_t Saturate32(uint64_t v) {
  return static_cast<uint32_t>(
      std::min<uint64_t>(v, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

NodeService::NodeService(Node* node, ServiceOptions options)
    : node_(node), options_(options) {}

absl::StatusOr<api::HealthResponse> NodeService::Health() {
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head,
                   node_->store().GetHead());
  api::HealthResponse out;
  out.set_ok(node_->healthy());
  out.set_height(head.has_value() ? head->height : 0);
  return out;
}

absl::StatusOr<api::InfoResponse> NodeService::Info() {
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head,
                   node_->store().GetHead());
  const NodeOptions& o = node_->options();
  api::InfoResponse out;
  out.set_chain_id(node_->chain_id());
  if (head.has_value()) {
    out.set_height(head->height);
    out.set_head_hash(head->hash);
  }
  out.set_producer_pubkey(node_->producer().public_key);
  out.set_producer_address(AddressFromPublicKey(node_->producer().public_key));
  out.add_signing_pubkeys(node_->producer().public_key);
  for (const KeyPair& key : node_->data_dir().co_signers()) {
    out.add_signing_pubkeys(key.public_key);
  }
  out.set_block_time_ms(Saturate32(static_cast<uint64_t>(o.block_time_ms)));
  out.set_dev(o.dev);
  out.set_manual_mining(o.manual_mining);
  out.set_dev_clock_offset_ms(node_->dev_clock_offset_ms());
  out.set_mempool_size(Saturate32(node_->mempool().size()));
  out.set_mempool_bytes(Saturate32(node_->mempool().bytes()));
  out.set_healthy(node_->healthy());
  out.set_version(kVersion);
  api::Limits* limits = out.mutable_limits();
  limits->set_max_tx_bytes(Saturate32(kMaxTxBytes));
  limits->set_max_body_bytes(options_.max_body_bytes);
  limits->set_block_gas_limit(o.block_gas_limit);
  limits->set_max_block_txs(Saturate32(o.max_block_txs));
  limits->set_max_batch_txs(Saturate32(kMaxBatchTxs));
  limits->set_query_gas_limit(kMaxQueryGas);
  limits->set_mempool_capacity(Saturate32(o.mempool.capacity));
  limits->set_mempool_max_bytes(Saturate32(o.mempool.max_bytes));
  limits->set_mempool_max_per_sender(Saturate32(o.mempool.max_per_sender));
  limits->set_mempool_max_waiting_per_sender(
      Saturate32(o.mempool.max_waiting_per_sender));
  return out;
}

api::StatsResponse NodeService::Stats() {
  NodeStats st = node_->stats();
  api::StatsResponse out;
  out.set_admitted(Saturate32(st.admitted));
  out.set_refused(Saturate32(st.refused));
  out.set_admit_ms(st.admit_ms);
  out.set_blocks(Saturate32(st.blocks));
  out.set_txs(Saturate32(st.txs));
  out.set_gas_used(st.gas_used);
  out.set_select_ms(st.select_ms);
  out.set_check_ms(st.check_ms);
  out.set_run_ms(st.run_ms);
  out.set_finish_ms(st.finish_ms);
  out.set_commit_ms(st.commit_ms);
  out.set_mempool_size(Saturate32(node_->mempool().size()));
  return out;
}

absl::StatusOr<api::SubmitResponse> NodeService::Submit(
    const ledger::SignedTransaction& stx) {
  if (stx.tx().empty()) {
    return absl::InvalidArgumentError("field 'tx' is required");
  }
  RETURN_IF_ERROR(
      CheckSize(stx.signature(), kSignatureSize, "field 'signature'"));
  ASSIGN_OR_RETURN(std::string hash, node_->Submit(stx));
  api::SubmitResponse out;
  out.set_hash(hash);
  return out;
}

absl::StatusOr<api::SubmitBatchResponse> NodeService::SubmitBatch(
    const api::SubmitBatchRequest& request) {
  if (request.txs().empty() ||
      static_cast<size_t>(request.txs_size()) > kMaxBatchTxs) {
    return absl::InvalidArgumentError(
        StrCat("field 'txs': ", request.txs_size(),
               " transactions, expected 1..", kMaxBatchTxs));
  }
  api::SubmitBatchResponse out;
  for (const ledger::SignedTransaction& stx : request.txs()) {
    api::SubmitBatchResult* result = out.add_results();
    absl::StatusOr<api::SubmitResponse> submitted = Submit(stx);
    if (submitted.ok()) {
      result->set_hash(submitted->hash());
      out.set_accepted(out.accepted() + 1);
    } else {
      *result->mutable_error() = api::ErrorResponseOf(submitted.status());
      result->set_status(api::HttpStatusOf(submitted.status()));
    }
  }
  return out;
}

absl::StatusOr<api::TransactionView> NodeService::SubmitAndWait(
    const ledger::SignedTransaction& stx, absl::Duration wait) {
  ASSIGN_OR_RETURN(api::SubmitResponse submitted, Submit(stx));
  node_->WaitCommitted(submitted.hash(), std::min(wait, options_.max_wait));
  return Transaction(submitted.hash());
}

absl::StatusOr<api::TransactionView> NodeService::Transaction(
    std::string_view hash) {
  RETURN_IF_ERROR(CheckSize(hash, kHashSize, "transaction hash"));
  ledger::Store& store = node_->store();
  ASSIGN_OR_RETURN(std::optional<ledger::TxRecord> record,
                   store.GetTransaction(hash));
  std::optional<ledger::SignedTransaction> stx;
  if (record.has_value()) {
    stx = record->tx();
  } else {
    stx = node_->mempool().Find(std::string(hash));
  }
  if (!stx.has_value()) {
    // It may have been committed between the two reads.
    ASSIGN_OR_RETURN(record, store.GetTransaction(hash));
    if (!record.has_value()) {
      return absl::NotFoundError(StrCat("no transaction 0x", ToHex(hash),
                                        " (neither committed nor pending)"));
    }
    stx = record->tx();
  }
  ledger::Transaction tx;
  const bool parsed = tx.ParseFromString(stx->tx());
  std::string contract, method;
  if (parsed && tx.has_call()) {
    contract = tx.call().contract();
    method = tx.call().method();
  }
  std::optional<api::ContractInterface> iface;
  if (contract.size() == kAddressSize) {
    ASSIGN_OR_RETURN(iface, Interface(contract));
  }
  api::TransactionView view =
      api::TransactionViewOf(*stx, iface ? &*iface : nullptr);
  if (!record.has_value()) return view;

  view.set_status("committed");
  view.set_block_height(record->block_height());
  view.set_tx_index(record->tx_index());
  view.set_block_hash(record->block_hash());
  if (parsed && tx.has_deploy()) {
    // A deploy's output is init's response, if the interface has an init
    // at all; otherwise there is nothing to decode.
    contract = record->receipt().contract_address();
    if (contract.size() == kAddressSize) {
      ASSIGN_OR_RETURN(std::optional<api::ContractInterface> own,
                       Interface(contract));
      if (own.has_value() && own->HasMethod("init")) method = "init";
    }
  }
  api::InterfaceLookup lookup = [this](std::string_view address) {
    return Interface(address);
  };
  ASSIGN_OR_RETURN(
      *view.mutable_receipt(),
      api::ReceiptViewOf(record->receipt(), &lookup, contract, method));
  return view;
}

absl::StatusOr<api::BlockView> NodeService::LatestBlock() {
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head,
                   node_->store().GetHead());
  if (!head.has_value()) return absl::NotFoundError("no blocks yet");
  return BlockAt(head->height);
}

absl::StatusOr<api::BlockView> NodeService::BlockAt(uint64_t height) {
  ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                   node_->store().GetBlockByHeight(height));
  if (!block.has_value()) {
    return absl::NotFoundError(StrCat("no block ", height));
  }
  return api::BlockViewOf(*block);
}

absl::StatusOr<api::BlockView> NodeService::BlockByHash(std::string_view hash) {
  RETURN_IF_ERROR(CheckSize(hash, kHashSize, "block hash"));
  ASSIGN_OR_RETURN(std::optional<ledger::Block> block,
                   node_->store().GetBlockByHash(hash));
  if (!block.has_value()) {
    return absl::NotFoundError(StrCat("no block with hash 0x", ToHex(hash)));
  }
  return api::BlockViewOf(*block);
}

absl::StatusOr<api::QueryResponse> NodeService::Query(
    const api::QueryRequest& request) {
  const std::string& contract = request.contract();
  if (contract.empty() || request.method().empty()) {
    return absl::InvalidArgumentError(
        "fields 'contract' and 'method' are required");
  }
  RETURN_IF_ERROR(CheckSize(contract, kAddressSize, "field 'contract'"));
  uint64_t gas =
      request.gas_limit() == 0 ? kDefaultQueryGas : request.gas_limit();
  if (gas > kMaxQueryGas) {
    return absl::InvalidArgumentError(StrCat("field 'gas_limit': ", gas,
                                             " exceeds the query gas limit ",
                                             kMaxQueryGas));
  }
  if (request.has_args() && !request.input().empty()) {
    return absl::InvalidArgumentError(
        "give either 'args' (JSON) or 'input' (hex), not both");
  }
  // Which block: the head, read once, or a retained height; the whole
  // query, the contract's lookup included, reads the state after it.
  ledger::Store& store = node_->store();
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, store.GetHead());
  wasm::BlockInfo at;  // the empty state before the first block
  if (head.has_value()) {
    at.height = request.has_height() ? request.height() : head->height;
    ASSIGN_OR_RETURN(ledger::Block block,
                     RetainedBlock(store, at.height, head->height, "queried"));
    at.time_ms = block.header().time_ms();
  } else if (request.has_height()) {
    return absl::NotFoundError("no blocks yet");
  }
  // A read failing because the height was pruned since it was checked is
  // the same refusal as a height pruned before.
  auto pruned = [&](const absl::Status& status) -> absl::Status {
    absl::StatusOr<uint64_t> oldest = store.state_tree().OldestVersion();
    if (!oldest.ok() || at.height >= *oldest) return status;
    return NotRetained(store.state_tree(), at.height,
                       head.has_value() ? head->height : 0, "queried");
  };
  absl::StatusOr<std::optional<ledger::ContractInfo>> info =
      ledger::StateAt(&store.state_tree(), at.height).GetContract(contract);
  if (!info.ok()) return pruned(info.status());
  if (!info->has_value()) {
    return absl::NotFoundError(
        request.has_height() ? StrCat("no contract at 0x", ToHex(contract),
                                      " at height ", at.height)
                             : StrCat("no contract at 0x", ToHex(contract)));
  }
  // A contract's interface is the same at every height it exists.
  ASSIGN_OR_RETURN(std::optional<api::ContractInterface> iface,
                   Interface(contract));
  std::string input = request.input();
  if (request.input().empty() && iface.has_value()) {
    const std::string args =
        request.has_args() ? api::JsonText(request.args()) : "{}";
    auto encoded = iface->EncodeRequest(request.method(), args);
    if (!encoded.ok()) {
      // An unknown method is the caller's mistake: 400, not 404.
      return absl::InvalidArgumentError(encoded.status().message());
    }
    input = *std::move(encoded);
  } else if (request.has_args()) {
    return absl::InvalidArgumentError(
        StrCat("contract 0x", ToHex(contract),
               " has no interface: pass 'input' as hex instead of 'args'"));
  }
  ASSIGN_OR_RETURN(
      wasm::CallOutcome out,
      node_->executor().Query(at, contract, request.method(), input, gas,
                              absl::Now() + options_.query_timeout));
  if (!out.status.ok()) {
    if (out.failure == wasm::FailureKind::kInvalid) {
      return absl::InvalidArgumentError(out.status.message());
    }
    if (out.failure == wasm::FailureKind::kInternal) {
      return pruned(out.status);
    }
    return api::FailedCall(out.status.code(), std::string(out.status.message()),
                           wasm::FailureKindName(out.failure), out.gas_used);
  }
  api::QueryResponse response;
  response.set_height(at.height);
  response.set_time_ms(at.time_ms);
  response.set_gas_used(out.gas_used);
  response.set_output(out.output);
  if (iface.has_value()) {
    auto decoded = iface->DecodeResponse(request.method(), out.output);
    auto value =
        decoded.ok()
            ? api::JsonValue(*decoded)
            : absl::StatusOr<google::protobuf::Value>(decoded.status());
    if (value.ok()) {
      *response.mutable_result() = *std::move(value);
    } else {
      response.set_decode_error(std::string(value.status().message()));
    }
  }
  return response;
}

absl::StatusOr<api::ContractView> NodeService::Contract(
    std::string_view address) {
  RETURN_IF_ERROR(CheckSize(address, kAddressSize, "address"));
  ASSIGN_OR_RETURN(std::optional<ledger::ContractInfo> info,
                   node_->store().GetContract(address));
  if (!info.has_value()) {
    return absl::NotFoundError(StrCat("no contract at 0x", ToHex(address)));
  }
  ASSIGN_OR_RETURN(std::optional<api::ContractInterface> iface,
                   Interface(address));
  api::ContractView out;
  out.set_address(std::string(address));
  out.set_code_hash(info->code_hash());
  out.set_executable_hash(info->executable_hash());
  ASSIGN_OR_RETURN(std::optional<ledger::CodeRecord> code,
                   node_->store().GetCode(info->executable_hash()));
  if (code.has_value()) {
    out.set_instrumenter_version(code->instrumenter_version());
  }
  out.set_creator(info->creator());
  out.set_created_height(info->created_height());
  if (iface.has_value()) {
    for (const std::string& m : iface->Methods()) out.add_methods(m);
    for (const std::string& e : iface->Events()) out.add_events(e);
  }
  out.set_interface(info->interface());
  if (info->interface().empty() && !info->interface_of().empty()) {
    ASSIGN_OR_RETURN(std::optional<ledger::ContractInfo> tmpl,
                     node_->store().GetContract(info->interface_of()));
    if (tmpl.has_value()) out.set_interface(tmpl->interface());
  }
  return out;
}

absl::StatusOr<api::AccountView> NodeService::Account(
    std::string_view address) {
  RETURN_IF_ERROR(CheckSize(address, kAddressSize, "address"));
  ASSIGN_OR_RETURN(ledger::Account account, node_->store().GetAccount(address));
  api::AccountView out;
  out.set_address(std::string(address));
  out.set_nonce(account.nonce());
  out.set_pending_nonce(
      node_->mempool().NextNonce(std::string(address), account.nonce()));
  return out;
}

absl::StatusOr<api::EventsResponse> NodeService::Events(
    const api::EventsRequest& request) {
  ledger::EventFilter filter;
  filter.limit = kDefaultEventLimit;
  if (!request.contract().empty()) {
    RETURN_IF_ERROR(CheckSize(request.contract(), kAddressSize, "contract"));
    filter.contract = request.contract();
  }
  if (!request.name().empty()) filter.name = request.name();
  filter.from_height = request.from_block();
  if (request.has_to_block()) filter.to_height = request.to_block();
  if (request.limit() != 0) {
    if (request.limit() > kMaxEventLimit) {
      return absl::InvalidArgumentError(
          StrCat("limit must be 1..", kMaxEventLimit));
    }
    filter.limit = request.limit();
  }
  if (filter.from_height > filter.to_height) {
    return absl::InvalidArgumentError(StrCat("from_block ", filter.from_height,
                                             " is after to_block ",
                                             filter.to_height));
  }
  ASSIGN_OR_RETURN(std::vector<ledger::Event> events,
                   node_->store().QueryEvents(filter));
  api::EventsResponse out;
  for (const ledger::Event& e : events) {
    ASSIGN_OR_RETURN(std::optional<api::ContractInterface> iface,
                     Interface(e.contract()));
    *out.add_events() = api::EventViewOf(e, iface ? &*iface : nullptr);
  }
  return out;
}

absl::StatusOr<api::ProofResponse> NodeService::Proof(
    const api::ProofRequest& request) {
  // What to prove: tree keys and the entries they belong to.
  std::vector<std::string> tree_keys;
  api::ProofResponse out;
  const int kinds = !request.account().empty() + !request.contract().empty() +
                    !request.bridge_keys().empty();
  if (kinds > 1) {
    return absl::InvalidArgumentError(
        "give one of 'account', 'contract' with 'key's, or 'bridge_key's");
  }
  if (!request.bridge_keys().empty()) {
    if (static_cast<size_t>(request.bridge_keys_size()) > api::kMaxProofKeys) {
      return absl::InvalidArgumentError(
          StrCat(request.bridge_keys_size(), " bridge keys given; at most ",
                 api::kMaxProofKeys, " may be proved in one request"));
    }
    for (int i = 0; i < request.bridge_keys_size(); ++i) {
      const std::string& key = request.bridge_keys(i);
      if (key.empty() || key.size() > 256) {
        return absl::InvalidArgumentError(
            StrCat("bridge_key ", i, " is ", key.size(),
                   " bytes; bridge keys are 1..256 bytes"));
      }
      tree_keys.push_back(
          ledger::StateTreeKey(ledger::keys::Table::kBridge, key));
      out.add_entries()->set_bridge_key(key);
    }
  } else if (!request.account().empty()) {
    if (!request.keys().empty()) {
      return absl::InvalidArgumentError(
          "give either 'account', or 'contract' with 'key's, not both");
    }
    RETURN_IF_ERROR(CheckSize(request.account(), kAddressSize, "account"));
    tree_keys.push_back(
        ledger::StateTreeKey(ledger::keys::Table::kAccount, request.account()));
    out.add_entries()->set_account(request.account());
  } else if (!request.contract().empty()) {
    RETURN_IF_ERROR(CheckSize(request.contract(), kAddressSize, "contract"));
    if (request.keys().empty()) {
      return absl::InvalidArgumentError(
          "give at least one 'key' (a raw storage key in hex) with 'contract'");
    }
    if (static_cast<size_t>(request.keys_size()) > api::kMaxProofKeys) {
      return absl::InvalidArgumentError(
          StrCat(request.keys_size(), " keys given; at most ",
                 api::kMaxProofKeys, " may be proved in one request"));
    }
    const size_t max_key = wasm::Limits{}.max_storage_key_bytes;
    for (int i = 0; i < request.keys_size(); ++i) {
      const std::string& key = request.keys(i);
      if (key.size() > max_key) {
        return absl::InvalidArgumentError(
            StrCat("key ", i, " is ", key.size(),
                   " bytes; storage keys are at most ", max_key, " bytes"));
      }
      tree_keys.push_back(ledger::StateTreeKey(
          ledger::keys::Table::kStorage, StrCat(request.contract(), key)));
      api::ProofEntry* e = out.add_entries();
      e->set_contract(request.contract());
      e->set_key(key);
    }
  } else {
    return absl::InvalidArgumentError(
        "give 'account', or 'contract' with one or more 'key's, or one or "
        "more 'bridge_key's");
  }

  // Which height: retained and committed.
  ledger::Store& store = node_->store();
  ASSIGN_OR_RETURN(std::optional<ledger::ChainHead> head, store.GetHead());
  if (!head.has_value()) return absl::NotFoundError("no blocks yet");
  const uint64_t height =
      request.has_height() ? request.height() : head->height;
  const ledger::StateTree& tree = store.state_tree();
  ASSIGN_OR_RETURN(ledger::Block block,
                   RetainedBlock(store, height, head->height, "proved"));
  absl::StatusOr<std::vector<ledger::StateTreeRead>> reads =
      tree.GetMany(height, tree_keys);
  if (absl::IsFailedPrecondition(reads.status())) {
    return NotRetained(tree, height, head->height, "proved");  // pruned since
  }
  if (!reads.ok()) return reads.status();

  out.set_chain_id(block.header().chain_id());
  out.set_height(height);
  out.set_block_hash(ledger::BlockHash(block.header()));
  *out.mutable_header() = block.header();
  *out.mutable_signatures() = block.signatures();
  for (size_t i = 0; i < reads->size(); ++i) {
    const ledger::StateTreeRead& read = (*reads)[i];
    api::ProofEntry* e = out.mutable_entries(static_cast<int>(i));
    e->set_tree_key(tree_keys[i]);
    if (read.value.has_value()) e->set_value(*read.value);
    if (!e->account().empty()) {
      ledger::Account account;
      if (read.value.has_value() && !account.ParseFromString(*read.value)) {
        return absl::DataLossError(
            StrCat("account 0x", ToHex(e->account()), " record is corrupt"));
      }
      e->set_nonce(account.nonce());
    }
    e->set_proof(ledger::SerializeStateProof(read.proof));
  }
  return out;
}

absl::StatusOr<api::DevMineResponse> NodeService::DevMine(
    const api::DevMineRequest& request) {
  DevMineOptions options;
  if (request.has_blocks()) options.blocks = request.blocks();
  options.advance_ms = request.advance_ms();
  if (request.has_time_ms()) options.time_ms = request.time_ms();
  ASSIGN_OR_RETURN(std::vector<MinedBlock> mined, node_->DevMine(options));
  api::DevMineResponse out;
  for (const MinedBlock& b : mined) {
    api::MinedBlock* m = out.add_blocks();
    m->set_height(b.height);
    m->set_time_ms(b.time_ms);
    m->set_txs(Saturate32(b.txs));
  }
  out.set_pending(Saturate32(node_->mempool().size()));
  out.set_dev_clock_offset_ms(node_->dev_clock_offset_ms());
  return out;
}

namespace {

// The bridge module's interface (bridge.proto's Bridge service), built once
// from the descriptors compiled into this binary.
const std::optional<api::ContractInterface>& BridgeInterface() {
  static const std::optional<api::ContractInterface> iface = [] {
    const google::protobuf::FileDescriptor* file =
        bridge::Msg::descriptor()->file();
    google::protobuf::FileDescriptorSet set;
    for (int i = 0; i < file->dependency_count(); ++i) {
      file->dependency(i)->CopyTo(set.add_file());
    }
    file->CopyTo(set.add_file());
    auto built =
        api::ContractInterface::FromDescriptorSet(set.SerializeAsString());
    return built.ok() ? std::optional<api::ContractInterface>(*built)
                      : std::nullopt;
  }();
  return iface;
}

}  // namespace

absl::StatusOr<std::optional<api::ContractInterface>> NodeService::Interface(
    std::string_view address) {
  if (address == bridge::kBridgeAddress) return BridgeInterface();
  std::string key(address);
  {
    absl::MutexLock lock(&iface_mu_);
    auto it = interfaces_.find(key);
    if (it != interfaces_.end()) return it->second;
  }
  // A contract's interface never changes once it is committed, so the cache
  // needs no invalidation; a contract not (yet) there is not cached.
  ASSIGN_OR_RETURN(std::optional<ledger::ContractInfo> info,
                   node_->store().GetContract(address));
  if (!info.has_value()) return std::nullopt;
  if (info->interface().empty() && !info->interface_of().empty()) {
    // Created by a contract: the interface of the deployed template (one
    // hop; the executor never records a chain of templates).
    ASSIGN_OR_RETURN(info, node_->store().GetContract(info->interface_of()));
    if (!info.has_value()) return std::nullopt;
  }
  std::optional<api::ContractInterface> iface;
  if (!info->interface().empty()) {
    // A deploy's interface was checked to parse, not to build: one that
    // does not build is "no interface", not an error of every lookup.
    auto built = api::ContractInterface::FromDescriptorSet(info->interface());
    if (built.ok()) iface = *std::move(built);
  }
  absl::MutexLock lock(&iface_mu_);
  if (interfaces_.size() >= kMaxInterfaceCache) interfaces_.clear();
  interfaces_.emplace(std::move(key), iface);
  return iface;
}

}  // namespace ballast::node
