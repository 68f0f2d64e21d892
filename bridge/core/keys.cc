#include "bridge/core/keys.h"

#include <utility>

#include "ledger/base/bytes.h"
#include "ledger/base/strings.h"
#include "ledger/crypto.h"

namespace ballast::bridge {
namespace {

constexpr size_t kContractBytes = 20;

std::string Key(char kind, std::string_view a) {
  return std::string(1, kind).append(a);
}

std::string Key(char kind, std::string_view port, std::string_view channel) {
  std::string key = Key(kind, port);
  key.push_back('\0');
  key.append(channel);
  return key;
}

std::string Key(char kind, std::string_view port, std::string_view channel,
                uint64_t sequence) {
  std::string key = Key(kind, port, channel);
  key.push_back('\0');
  key.append(EncodeBigEndian64(sequence));
  return key;
}

}  // namespace

absl::Status CheckId(std::string_view what, std::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxIdBytes;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(what, " must be 1..", kMaxIdBytes, " bytes of [a-z0-9.-], got '",
             SanitizeUtf8(id.substr(0, kMaxIdBytes)),
             id.size() > kMaxIdBytes ? "...'" : "'"));
}

std::string ClientKey(std::string_view client) { return Key('c', client); }

std::string ConsensusKey(std::string_view client, uint64_t height) {
  std::string key = Key('c', "s");
  key.append(client);
  key.push_back('\0');
  key.append(EncodeBigEndian64(height));
  return key;
}

std::string ConnectionKey(std::string_view connection) {
  return Key('k', connection);
}

std::string ChannelKey(std::string_view port, std::string_view channel) {
  return Key('h', port, channel);
}

std::string ChannelPortKey(std::string_view channel) {
  return Key('i', channel);
}

std::string NextSendKey(std::string_view port, std::string_view channel) {
  return Key('q', port, channel);
}

std::string CommitmentKey(std::string_view port, std::string_view channel,
                          uint64_t sequence) {
  return Key('p', port, channel, sequence);
}

std::string ReceiptKey(std::string_view port, std::string_view channel,
                       uint64_t sequence) {
  return Key('r', port, channel, sequence);
}

std::string AckKey(std::string_view port, std::string_view channel,
                   uint64_t sequence) {
  return Key('a', port, channel, sequence);
}

std::string CounterKey(std::string_view name) { return Key('n', name); }

std::string TreeKey(std::string_view raw_key) {
  Sha256Hasher h;
  h.Update("g");
  h.Update(raw_key);
  return h.Finish();
}

std::string PortOf(std::string_view contract) {
  return StrCat(kPortPrefix, ToHex(contract));
}

std::optional<std::string> ContractOf(std::string_view port) {
  if (!port.starts_with(kPortPrefix)) return std::nullopt;
  std::string_view hex = port.substr(kPortPrefix.size());
  if (hex.size() != 2 * kContractBytes) return std::nullopt;
  absl::StatusOr<std::string> bytes = FromHex(hex);
  if (!bytes.ok() || ToHex(*bytes) != hex) return std::nullopt;  // lowercase
  return *std::move(bytes);
}

}  // namespace ballast::bridge
