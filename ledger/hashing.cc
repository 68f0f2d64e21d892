#include "ledger/hashing.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ledger/base/bytes.h"

namespace ballast::ledger {
namespace {

// Merkle Tree Hash of leaves[begin, end), RFC 6962 section 2.1.
// REQUIRES: begin < end.
std::string Mth(const std::vector<std::string>& leaves, size_t begin,
                size_t end) {
  size_t n = end - begin;
  if (n == 1) return Sha256(std::string(1, '\x00') + leaves[begin]);
  size_t k = 1;
  while (k * 2 < n) k *= 2;  // largest power of two strictly below n
  return Sha256(std::string(1, '\x01') + Mth(leaves, begin, begin + k) +
                Mth(leaves, begin + k, end));
}

}  // namespace

std::string SerializeDeterministic(const google::protobuf::MessageLite& msg) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    msg.SerializeToCodedStream(&coded);  // proto3: cannot fail
  }
  return out;
}

std::string TxHash(const SignedTransaction& stx) { return Sha256(stx.tx()); }

std::string ExecutableHash(uint32_t instrumenter_version,
                           std::string_view instrumented_wasm) {
  std::string preimage = "ballast/code";
  preimage += EncodeBigEndian32(instrumenter_version);
  preimage.append(instrumented_wasm);
  return Sha256(preimage);
}

std::string BlockHash(const BlockHeader& header) {
  return Sha256(SerializeDeterministic(header));
}

std::string MerkleRoot(const std::vector<std::string>& leaves) {
  if (leaves.empty()) return ZeroHash();
  return Mth(leaves, 0, leaves.size());
}

std::string ComputeTxRoot(
    const google::protobuf::RepeatedPtrField<SignedTransaction>& txs) {
  std::vector<std::string> leaves;
  leaves.reserve(txs.size());
  for (const SignedTransaction& stx : txs) leaves.push_back(TxHash(stx));
  return MerkleRoot(leaves);
}

std::string ReceiptHash(const Receipt& receipt) {
  return Sha256(SerializeDeterministic(receipt));
}

std::string ComputeReceiptsRoot(const std::vector<Receipt>& receipts) {
  std::vector<std::string> leaves;
  leaves.reserve(receipts.size());
  for (const Receipt& r : receipts) leaves.push_back(ReceiptHash(r));
  return MerkleRoot(leaves);
}

const std::string& ZeroHash() {
  static const std::string* const kZero = new std::string(kHashSize, '\0');
  return *kZero;
}

}  // namespace ballast::ledger
