#include "bridge/core/light_client.h"

#include <set>
#include <vector>

#include "bridge/core/keys.h"
#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/header_check.h"

namespace ballast::bridge {
namespace {

constexpr size_t kHashBytes = 32;
constexpr size_t kAddressBytes = 20;

std::string Hex(std::string_view bytes) { return StrCat("0x", ToHex(bytes)); }

// The key set of a create or key change: 1..kMaxTrustedKeys distinct
// 32-byte keys and 1 <= threshold <= their number.
absl::StatusOr<ledger::HeaderTrust> TrustOf(
    const google::protobuf::RepeatedPtrField<std::string>& keys,
    uint32_t threshold) {
  if (keys.size() > static_cast<int>(kMaxTrustedKeys)) {
    return absl::InvalidArgumentError(StrCat(
        "at most ", kMaxTrustedKeys, " trusted keys, got ", keys.size()));
  }
  ledger::HeaderTrust trust{{keys.begin(), keys.end()}, threshold};
  if (std::set<std::string>(keys.begin(), keys.end()).size() !=
      trust.keys.size()) {
    return absl::InvalidArgumentError("a trusted key is listed twice");
  }
  RETURN_IF_ERROR(ledger::CheckTrust(trust));
  return trust;
}

ledger::HeaderTrust TrustOf(const ClientState& c) {
  return {{c.trusted_keys().begin(), c.trusted_keys().end()}, c.threshold()};
}

bool AllZero(std::string_view bytes) {
  return bytes.find_first_not_of('\0') == std::string_view::npos;
}

absl::Status Refused(std::string_view client, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("client ", client, ": ", why));
}

}  // namespace

LightClients::LightClients(BridgeStore* store, ChargeFn charge)
    : store_(store), charge_(std::move(charge)) {}

absl::StatusOr<ClientState> LightClients::Client(
    std::string_view client) const {
  RETURN_IF_ERROR(CheckId("client id", client));
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store_->Get(ClientKey(client)));
  if (!bytes.has_value()) {
    return absl::NotFoundError(StrCat("unknown client '", client, "'"));
  }
  ClientState state;
  if (!state.ParseFromString(*bytes)) {
    return absl::DataLossError(StrCat("client ", client, ": corrupt record"));
  }
  return state;
}

absl::StatusOr<ConsensusState> LightClients::Consensus(std::string_view client,
                                                       uint64_t height) const {
  ASSIGN_OR_RETURN(ClientState c, Client(client));
  if (c.frozen()) {
    return absl::FailedPreconditionError(
        StrCat("client ", client, " is frozen: ", c.frozen_reason()));
  }
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store_->Get(ConsensusKey(client, height)));
  if (!bytes.has_value()) {
    return absl::NotFoundError(StrCat("client ", client, " holds no header of ",
                                      c.chain_id(), " at height ", height));
  }
  ConsensusState state;
  if (!state.ParseFromString(*bytes)) {
    return absl::DataLossError(StrCat("client ", client, ": corrupt record"));
  }
  return state;
}

absl::StatusOr<std::string> LightClients::CheckHeader(const ClientState& c,
                                                      const SignedHeader& h) {
  const ledger::BlockHeader& header = h.header();
  // Bounded and charged before any signature is verified.
  if (h.signatures_size() > static_cast<int>(kMaxHeaderSignatures)) {
    return absl::InvalidArgumentError(
        StrCat("a header carries at most ", kMaxHeaderSignatures,
               " signatures, got ", h.signatures_size()));
  }
  RETURN_IF_ERROR(
      charge_(kGasPerSignature * static_cast<uint64_t>(h.signatures_size()),
              "header signatures"));
  if (header.chain_id() != c.chain_id()) {
    return absl::InvalidArgumentError(
        StrCat("the header is of chain '", header.chain_id().substr(0, 64),
               "', the client follows '", c.chain_id(), "'"));
  }
  if (header.height() == 0) {
    return absl::InvalidArgumentError("the header's height is 0");
  }
  if (header.state_root().size() != kHashBytes ||
      AllZero(header.state_root())) {
    return absl::InvalidArgumentError(
        "the header's state root is not 32 bytes or is all zero: a default "
        "root is never usable");
  }
  const std::string hash = ledger::BlockHash(header);
  RETURN_IF_ERROR(ledger::CheckHeaderSignatures(
                      header.height(), hash, h.signatures(), TrustOf(c),
                      ledger::ForeignSignatures::kRefuse)
                      .status());
  return hash;
}

void LightClients::Write(std::string_view client, const ClientState& state) {
  store_->Put(ClientKey(client), state.SerializeAsString());
}

absl::StatusOr<std::string> LightClients::Create(const CreateClient& msg,
                                                 std::string_view sender) {
  RETURN_IF_ERROR(charge_(kGasPerClientMessage, "create client"));
  if (msg.chain_id().empty() || msg.chain_id().size() > kMaxChainIdBytes) {
    return absl::InvalidArgumentError(
        StrCat("chain id must be 1..", kMaxChainIdBytes, " bytes"));
  }
  if (sender.size() != kAddressBytes) {
    return absl::InvalidArgumentError("the sender must be a 20-byte address");
  }
  ASSIGN_OR_RETURN(ledger::HeaderTrust trust,
                   TrustOf(msg.trusted_keys(), msg.threshold()));
  ClientState state;
  state.set_chain_id(msg.chain_id());
  *state.mutable_trusted_keys() = msg.trusted_keys();
  state.set_threshold(msg.threshold());
  state.set_admin(std::string(sender));
  ASSIGN_OR_RETURN(std::string hash, CheckHeader(state, msg.header()));
  const ledger::BlockHeader& header = msg.header().header();
  state.set_latest_height(header.height());
  state.set_latest_time_ms(header.time_ms());

  // Validated: write.
  ASSIGN_OR_RETURN(uint64_t n, NextId(*store_, "client"));
  const std::string id = StrCat("client-", n);
  ConsensusState cs;
  cs.set_state_root(header.state_root());
  cs.set_time_ms(header.time_ms());
  cs.set_block_hash(hash);
  store_->Put(ConsensusKey(id, header.height()), cs.SerializeAsString());
  Write(id, state);
  return id;
}

absl::Status LightClients::Update(const UpdateClient& msg) {
  RETURN_IF_ERROR(charge_(kGasPerClientMessage, "update client"));
  ASSIGN_OR_RETURN(ClientState c, Client(msg.client()));
  if (c.frozen()) {
    return Refused(msg.client(), StrCat("frozen: ", c.frozen_reason()));
  }
  ASSIGN_OR_RETURN(std::string hash, CheckHeader(c, msg.header()));
  const ledger::BlockHeader& header = msg.header().header();
  const std::string key = ConsensusKey(msg.client(), header.height());
  ASSIGN_OR_RETURN(std::optional<std::string> held, store_->Get(key));
  if (held.has_value()) {
    ConsensusState known;
    if (!known.ParseFromString(*held)) {
      return absl::DataLossError(
          StrCat("client ", msg.client(), ": corrupt record"));
    }
    if (known.block_hash() == hash) return absl::OkStatus();  // known
    // Two valid headers of one height: the client's trust is broken.
    c.set_frozen(true);
    c.set_frozen_reason(StrCat("two headers of height ", header.height(),
                               " signed by its keys: ", Hex(known.block_hash()),
                               " and ", Hex(hash)));
    Write(msg.client(), c);
    return absl::OkStatus();
  }
  if (header.height() < c.latest_height()) {
    return Refused(msg.client(), StrCat("header height ", header.height(),
                                        " is older than the latest it holds, ",
                                        c.latest_height()));
  }
  if (header.time_ms() < c.latest_time_ms()) {
    return Refused(msg.client(), StrCat("header time ", header.time_ms(),
                                        " is before the latest header's, ",
                                        c.latest_time_ms()));
  }
  ConsensusState cs;
  cs.set_state_root(header.state_root());
  cs.set_time_ms(header.time_ms());
  cs.set_block_hash(hash);
  store_->Put(key, cs.SerializeAsString());
  c.set_latest_height(header.height());
  c.set_latest_time_ms(header.time_ms());
  Write(msg.client(), c);
  return absl::OkStatus();
}

absl::Status LightClients::SubmitMisbehaviour(const Misbehaviour& msg) {
  RETURN_IF_ERROR(charge_(kGasPerClientMessage, "misbehaviour"));
  ASSIGN_OR_RETURN(ClientState c, Client(msg.client()));
  if (c.frozen()) return absl::OkStatus();  // already
  const uint64_t height = msg.first().header().height();
  if (msg.second().header().height() != height) {
    return Refused(msg.client(),
                   "not misbehaviour: the two headers are of different "
                   "heights");
  }
  ASSIGN_OR_RETURN(std::string first, CheckHeader(c, msg.first()));
  ASSIGN_OR_RETURN(std::string second, CheckHeader(c, msg.second()));
  if (first == second) {
    return Refused(msg.client(),
                   "not misbehaviour: the two headers are the same block");
  }
  c.set_frozen(true);
  c.set_frozen_reason(StrCat("two headers of height ", height,
                             " signed by its keys: ", Hex(first), " and ",
                             Hex(second)));
  Write(msg.client(), c);
  return absl::OkStatus();
}

absl::Status LightClients::SetKeys(const SetTrustedKeys& msg,
                                   std::string_view sender) {
  RETURN_IF_ERROR(charge_(kGasPerClientMessage, "set trusted keys"));
  ASSIGN_OR_RETURN(ClientState c, Client(msg.client()));
  if (sender != c.admin()) {
    return absl::PermissionDeniedError(
        StrCat("client ", msg.client(),
               ": only its admin may change its trusted keys"));
  }
  RETURN_IF_ERROR(TrustOf(msg.trusted_keys(), msg.threshold()).status());
  *c.mutable_trusted_keys() = msg.trusted_keys();
  c.set_threshold(msg.threshold());
  Write(msg.client(), c);
  return absl::OkStatus();
}

}  // namespace ballast::bridge
