#include "node/api/proof.h"

#include <algorithm>

#include "ledger/base/bytes.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"
#include "ledger/hashing.h"
#include "ledger/header_check.h"
#include "ledger/state_proof.h"
#include "node/api/errors.h"
#include "node/api/proto_json.h"

namespace ballast::api {
namespace {

// The store key prefixes of ledger/keys.h (docs/formats.md 10).
constexpr char kAccountPrefix = 'a';
constexpr char kStoragePrefix = 's';
constexpr char kBridgePrefix = 'g';
// The longest key of the bridge's table (its identifiers are at most 64
// bytes; bridge/core/keys.h).
constexpr size_t kMaxBridgeKeyBytes = 256;

std::string Hex(std::string_view bytes) { return StrCat("0x", ToHex(bytes)); }

// The first 80 bytes of a string from the document, for messages.
std::string_view Shorten(std::string_view s) { return s.substr(0, 80); }

absl::Status CheckSize(std::string_view bytes, size_t size,
                       std::string_view what) {
  if (bytes.size() == size) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(what, " must be ", size, " bytes, got ", bytes.size()));
}

// "account 0x.." or "contract 0x.. key 0x..", for messages.
std::string Describe(const ProofEntry& e) {
  if (!e.bridge_key().empty()) {
    return StrCat("bridge record ", Hex(e.bridge_key()));
  }
  if (!e.account().empty()) return StrCat("account ", Hex(e.account()));
  return StrCat("contract ", Hex(e.contract()), " key ", Hex(e.key()));
}

absl::Status CheckHeader(const ProofResponse& doc, const ProofTrust& trust) {
  const ledger::BlockHeader& h = doc.header();
  if (!doc.has_header()) {
    return absl::InvalidArgumentError("the document has no header");
  }
  if (h.height() != doc.height()) {
    return absl::InvalidArgumentError(
        StrCat("the document's height ", doc.height(),
               " is not its header's height ", h.height()));
  }
  if (h.chain_id() != doc.chain_id()) {
    return absl::InvalidArgumentError(
        StrCat("the document's chain id '", Shorten(doc.chain_id()),
               "' is not its header's chain id '", Shorten(h.chain_id()), "'"));
  }
  if (trust.chain_id.has_value() && h.chain_id() != *trust.chain_id) {
    return absl::InvalidArgumentError(StrCat(
        "wrong chain id: the header is of chain '", Shorten(h.chain_id()),
        "', expected '", Shorten(*trust.chain_id), "'"));
  }
  return CheckSize(h.state_root(), kHashSize, "header.state_root");
}

// The entry's tree key, recomputed from what it names, and checks of its
// shape.
absl::StatusOr<std::string> TreeKeyOf(const ProofEntry& e) {
  if (!e.bridge_key().empty()) {
    if (!e.account().empty() || !e.contract().empty() || !e.key().empty() ||
        e.has_nonce()) {
      return absl::InvalidArgumentError(
          "names a bridge record and an account or a contract");
    }
    if (e.bridge_key().size() > kMaxBridgeKeyBytes) {
      return absl::InvalidArgumentError(
          StrCat("bridge_key of ", e.bridge_key().size(),
                 " bytes exceeds the limit of ", kMaxBridgeKeyBytes));
    }
    return BridgeTreeKey(e.bridge_key());
  }
  if (!e.account().empty()) {
    if (!e.contract().empty() || !e.key().empty()) {
      return absl::InvalidArgumentError(
          "names both an account and a contract storage key");
    }
    RETURN_IF_ERROR(CheckSize(e.account(), kAddressSize, "account"));
    return AccountTreeKey(e.account());
  }
  if (e.contract().empty()) {
    return absl::InvalidArgumentError(
        "names neither an account, a contract nor a bridge record");
  }
  RETURN_IF_ERROR(CheckSize(e.contract(), kAddressSize, "contract"));
  if (e.has_nonce()) {
    return absl::InvalidArgumentError("a storage entry has no nonce");
  }
  return StorageTreeKey(e.contract(), e.key());
}

absl::Status CheckNonce(const ProofEntry& e) {
  if (e.account().empty() || !e.has_nonce()) return absl::OkStatus();
  uint64_t nonce = 0;
  if (e.has_value()) {
    ledger::Account account;
    if (!account.ParseFromString(e.value())) {
      return absl::InvalidArgumentError("value is not an account record");
    }
    nonce = account.nonce();
  }
  if (nonce != e.nonce()) {
    return absl::InvalidArgumentError(StrCat(
        "nonce ", e.nonce(), " is not the nonce ", nonce, " the value holds"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string AccountTreeKey(std::string_view address) {
  Sha256Hasher h;
  h.Update(std::string_view(&kAccountPrefix, 1));
  h.Update(address);
  return h.Finish();
}

std::string StorageTreeKey(std::string_view contract, std::string_view key) {
  Sha256Hasher h;
  h.Update(std::string_view(&kStoragePrefix, 1));
  h.Update(contract);
  h.Update(key);
  return h.Finish();
}

std::string BridgeTreeKey(std::string_view key) {
  Sha256Hasher h;
  h.Update(std::string_view(&kBridgePrefix, 1));
  h.Update(key);
  return h.Finish();
}

absl::StatusOr<nlohmann::json> ProofDocumentJson(const ProofResponse& doc) {
  ASSIGN_OR_RETURN(nlohmann::json j, ProtoToJson(doc));
  nlohmann::json& entries = j["entries"];
  for (int i = 0; i < doc.entries_size(); ++i) {
    const ProofEntry& e = doc.entries(i);
    nlohmann::json& out = entries[static_cast<size_t>(i)];
    if (!e.has_value()) out["value"] = nullptr;
    if (e.account().empty()) out.erase("account");
    if (!e.account().empty() || !e.bridge_key().empty()) {
      out.erase("contract");
      out.erase("key");
    }
    if (e.bridge_key().empty()) out.erase("bridge_key");
  }
  return j;
}

absl::StatusOr<ProofResponse> ParseProofDocument(std::string_view text) {
  if (text.size() > kMaxProofDocumentBytes) {
    return TooLarge(StrCat("proof document of ", text.size(),
                           " bytes exceeds the limit of ",
                           kMaxProofDocumentBytes, " bytes"));
  }
  if (text.empty()) {
    return absl::InvalidArgumentError("proof document is empty");
  }
  auto j = ParseJson(text);
  if (!j.ok()) {
    return absl::InvalidArgumentError(
        StrCat("proof document: ", j.status().message()));
  }
  if (!j->is_object()) {
    return absl::InvalidArgumentError("proof document: expected a JSON object");
  }
  ProofResponse doc;
  absl::Status s = JsonToProto(*j, &doc);
  if (!s.ok()) {
    return absl::InvalidArgumentError(StrCat("proof document: ", s.message()));
  }
  return doc;
}

absl::StatusOr<ProvedDocument> VerifyProofDocument(const ProofResponse& doc,
                                                   const ProofTrust& trust) {
  const ledger::HeaderTrust header_trust{trust.producers, trust.threshold};
  RETURN_IF_ERROR(ledger::CheckTrust(header_trust));
  RETURN_IF_ERROR(CheckHeader(doc, trust));
  ProvedDocument out;
  out.chain_id = doc.chain_id();
  out.height = doc.height();
  out.block_hash = ledger::BlockHash(doc.header());
  out.state_root = doc.header().state_root();
  if (doc.block_hash() != out.block_hash) {
    return absl::InvalidArgumentError(StrCat(
        "block_hash ", Hex(doc.block_hash()),
        " is not the hash of the header's fields, ", Hex(out.block_hash)));
  }
  ASSIGN_OR_RETURN(out.signed_by,
                   ledger::CheckHeaderSignatures(
                       doc.height(), out.block_hash, doc.signatures(),
                       header_trust, ledger::ForeignSignatures::kVerify));
  if (doc.entries().empty()) {
    return absl::InvalidArgumentError("the document proves no entries");
  }
  for (int i = 0; i < doc.entries_size(); ++i) {
    const ProofEntry& e = doc.entries(i);
    auto fail = [&](const absl::Status& s) {
      return absl::InvalidArgumentError(
          StrCat("entries[", i, "] (", Describe(e), "): ", s.message()));
    };
    absl::StatusOr<std::string> tree_key = TreeKeyOf(e);
    if (!tree_key.ok()) return fail(tree_key.status());
    if (e.tree_key() != *tree_key) {
      return fail(absl::InvalidArgumentError(
          StrCat("tree_key ", Hex(e.tree_key()), " is not the entry's key ",
                 Hex(*tree_key))));
    }
    if (absl::Status s = CheckNonce(e); !s.ok()) return fail(s);
    std::optional<std::string_view> value;
    if (e.has_value()) value = e.value();
    absl::Status s =
        ledger::VerifyStateProof(out.state_root, *tree_key, value, e.proof());
    if (!s.ok()) {
      return fail(absl::InvalidArgumentError(
          StrCat("the proof does not hold against the header's state root: ",
                 s.message())));
    }
    ProvedEntry& p = out.entries.emplace_back();
    p.account = e.account();
    p.contract = e.contract();
    p.key = e.key();
    p.bridge_key = e.bridge_key();
    if (e.has_value()) p.value = e.value();
  }
  return out;
}

}  // namespace ballast::api
