#include "ledger/header_check.h"

#include <set>

#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"

namespace ballast::ledger {
namespace {

std::string Hex(std::string_view bytes) { return StrCat("0x", ToHex(bytes)); }

}  // namespace

absl::Status CheckTrust(const HeaderTrust& trust) {
  if (trust.keys.empty()) {
    return absl::InvalidArgumentError(
        "no trusted producer key given: a header is signed by keys it names "
        "itself, so without a trusted key it proves nothing");
  }
  for (const std::string& key : trust.keys) {
    if (key.size() != kPublicKeySize) {
      return absl::InvalidArgumentError(StrCat("a producer key must be ",
                                               kPublicKeySize, " bytes, got ",
                                               key.size()));
    }
  }
  const size_t distinct =
      std::set<std::string>(trust.keys.begin(), trust.keys.end()).size();
  if (trust.threshold < 1 || trust.threshold > distinct) {
    return absl::InvalidArgumentError(
        StrCat("threshold ", trust.threshold, " must be 1..", distinct,
               " (the number of distinct trusted producer keys)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> CheckHeaderSignatures(
    uint64_t height, const std::string& block_hash,
    const google::protobuf::RepeatedPtrField<BlockSignature>& signatures,
    const HeaderTrust& trust, ForeignSignatures foreign) {
  const std::set<std::string> trusted(trust.keys.begin(), trust.keys.end());
  std::set<std::string> seen;
  std::vector<std::string> signed_by;
  for (int i = 0; i < signatures.size(); ++i) {
    const BlockSignature& sig = signatures[i];
    if (!seen.insert(sig.pubkey()).second) {
      return absl::InvalidArgumentError(StrCat(
          "signatures[", i, "]: key ", Hex(sig.pubkey()), " signed twice"));
    }
    const bool is_trusted = trusted.contains(sig.pubkey());
    if (!is_trusted && foreign == ForeignSignatures::kRefuse) {
      return absl::InvalidArgumentError(
          StrCat("signatures[", i, "]: key ", Hex(sig.pubkey()),
                 " is not one of the trusted producer keys"));
    }
    if (!Verify(sig.pubkey(), block_hash, sig.signature())) {
      return absl::InvalidArgumentError(
          StrCat("signatures[", i, "]: the signature by ", Hex(sig.pubkey()),
                 " is not valid for block hash ", Hex(block_hash)));
    }
    if (is_trusted) signed_by.push_back(sig.pubkey());
  }
  if (signed_by.size() < trust.threshold) {
    return absl::InvalidArgumentError(
        StrCat("block ", height, " carries valid signatures by ",
               signed_by.size(), " of the ", trusted.size(),
               " trusted producer keys; the threshold is ", trust.threshold));
  }
  return signed_by;
}

}  // namespace ballast::ledger
