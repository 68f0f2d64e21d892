#include "node/bridge_host.h"

#include <algorithm>
#include <utility>

#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/executor.h"

namespace ballast::node {

absl::StatusOr<std::optional<std::string>> TxBridgeStore::Get(
    std::string_view key) const {
  const std::string k(key);
  if (auto it = writes_.find(k); it != writes_.end()) return it->second;
  if (auto it = changes_->bridge.find(k); it != changes_->bridge.end()) {
    return it->second;
  }
  return store_->GetBridge(key);
}

void TxBridgeStore::Put(std::string_view key, std::string_view value) {
  writes_[std::string(key)] = std::string(value);
}

void TxBridgeStore::Delete(std::string_view key) {
  writes_[std::string(key)] = std::nullopt;
}

void TxBridgeStore::Commit(ledger::StateChanges* changes) {
  for (auto& [key, value] : writes_) changes->bridge[key] = std::move(value);
  writes_.clear();
}

bool IsStoreFailure(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDataLoss ||
         s.code() == absl::StatusCode::kInternal;
}

BridgeTx::BridgeTx(ledger::Store* store, const ledger::StateChanges* changes,
                   wasm::ChainState* state, wasm::Runtime* runtime,
                   wasm::BlockInfo block, uint64_t gas)
    : store_(store, changes),
      state_(state),
      runtime_(runtime),
      block_(block),
      budget_(gas),
      module_(
          &store_,
          [this](uint64_t gas, std::string_view what) {
            return Charge(gas, what);
          },
          this, &events_) {}

absl::Status BridgeTx::Charge(uint64_t gas, std::string_view what) {
  if (gas > budget_ - charged_) {
    const uint64_t left = budget_ - charged_;
    charged_ = budget_;  // what was charged stays charged
    return absl::ResourceExhaustedError(
        StrCat("out of gas: ", what, " costs ", gas, " gas, ", left, " left"));
  }
  charged_ += gas;
  return absl::OkStatus();
}

absl::StatusOr<bridge::MsgResult> BridgeTx::Execute(
    const bridge::Msg& msg, const bridge::MsgContext& ctx) {
  return module_.Execute(msg, ctx);
}

absl::Status BridgeTx::Send(const std::vector<wasm::PacketSend>& packets) {
  for (const wasm::PacketSend& p : packets) {
    absl::Status s = module_
                         .SendPacket(p.contract, p.channel, p.data,
                                     p.timeout_height, p.timeout_ms)
                         .status();
    if (!s.ok()) {
      return Annotate(
          s, StrCat("send packet on channel '", SanitizeUtf8(p.channel), "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status BridgeTx::Commit(ledger::StateChanges* changes,
                              std::vector<wasm::Event>* events) {
  RETURN_IF_ERROR(AddCreatedContracts(*store_.store(), app_created_,
                                      block_.height, changes));
  store_.Commit(changes);
  for (auto& [key, value] : app_writes_) changes->storage[key] = value;
  for (wasm::Event& e : app_events_) events->push_back(std::move(e));
  for (bridge::BridgeEvent& e : events_) {
    events->push_back(wasm::Event{std::string(bridge::kBridgeAddress),
                                  std::move(e.name), std::move(e.data)});
  }
  app_writes_.clear();
  app_events_.clear();
  app_created_.clear();
  events_.clear();
  return absl::OkStatus();
}

absl::StatusOr<bridge::AppOutcome> BridgeTx::Call(std::string_view contract,
                                                  std::string_view method,
                                                  std::string input) {
  wasm::CallRequest req;
  req.contract = std::string(contract);
  req.method = std::string(method);
  req.input = std::move(input);
  req.sender = std::string(bridge::kBridgeAddress);
  req.gas_limit = budget_ - charged_;
  req.block = block_;
  req.from_bridge = true;
  wasm::CallOutcome out = runtime_->Call(req, *state_);
  charged_ += std::min(out.gas_used, budget_ - charged_);
  const std::string why(out.status.message());
  switch (out.failure) {
    case wasm::FailureKind::kNone:
      break;
    case wasm::FailureKind::kAbort:
    case wasm::FailureKind::kTrap:
    case wasm::FailureKind::kLimit:
      // The application's own failure: its answer, not the relayer's.
      return bridge::AppOutcome{false, why};
    case wasm::FailureKind::kOutOfGas:
    case wasm::FailureKind::kDeadline:
      // Never an answer: a relayer must not buy an error acknowledgement by
      // giving too little gas.
      return absl::ResourceExhaustedError(why);
    case wasm::FailureKind::kInvalid:
      return absl::InvalidArgumentError(why);
    case wasm::FailureKind::kInternal:
      return absl::InternalError(why);
  }
  for (auto& [key, value] : out.writes) app_writes_[key] = std::move(value);
  for (wasm::Event& e : out.events) app_events_.push_back(std::move(e));
  for (wasm::CreatedContract& c : out.created) {
    app_created_.push_back(std::move(c));
  }
  // Packets the application sends from a callback are committed after it
  // returns, by the bridge.
  RETURN_IF_ERROR(Send(out.packets));
  return bridge::AppOutcome{true, std::move(out.output)};
}

}  // namespace ballast::node
