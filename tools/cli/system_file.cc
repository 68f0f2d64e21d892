#include "tools/cli/system_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <set>

#include "absl/status/status.h"
#include "ledger/base/bytes.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "tools/cli/decimal.h"
#include "tools/cli/keystore.h"
#include "tools/cli/output.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

constexpr size_t kMaxSystemFileBytes = 1 << 20;
constexpr size_t kMaxTypes = 16;  // the engine's limit

absl::Status Bad(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("system file: ", field, ": ", why));
}

absl::StatusOr<std::string> Str(const json& obj, std::string_view field,
                                std::string_view where) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string()) {
    return Bad(StrCat(where, field), "missing or not a string");
  }
  return it->get<std::string>();
}

absl::StatusOr<std::string> Addr(const json& obj, std::string_view field,
                                 std::string_view where, bool optional) {
  ASSIGN_OR_RETURN(std::string text, Str(obj, field, where));
  if (optional && text.empty()) return std::string();
  auto raw = FromHex(text);
  if (!raw.ok() || raw->size() != kAddressSize) {
    return Bad(StrCat(where, field), "not an address (0x + 40 hex digits)");
  }
  return *raw;
}

absl::StatusOr<int64_t> Int(const json& obj, std::string_view field,
                            std::string_view where, int64_t max) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_number_integer()) {
    return Bad(StrCat(where, field), "missing or not an integer");
  }
  int64_t v = it->get<int64_t>();
  if (v < 0 || v > max) {
    return Bad(StrCat(where, field), StrCat("out of range 0..", max));
  }
  return v;
}

absl::Status OnlyFields(const json& obj, const std::set<std::string>& known,
                        std::string_view where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!known.contains(it.key())) {
      return Bad(StrCat(where, it.key()), "unknown field");
    }
  }
  return absl::OkStatus();
}

std::string TypeNames(const SystemFile& s) {
  std::string out;
  for (const SystemType& t : s.types) out += (out.empty() ? "" : ", ") + t.name;
  return out.empty() ? "none" : out;
}

}  // namespace

absl::StatusOr<const SystemType*> SystemFile::Type(
    std::string_view name_or_id) const {
  for (const SystemType& t : types) {
    if (t.name == name_or_id) return &t;
  }
  if (auto id = ParseAmount(name_or_id, "type"); id.ok()) {
    for (const SystemType& t : types) {
      if (t.id == *id) return &t;
    }
  }
  return absl::NotFoundError(StrCat("no collateral type '", name_or_id,
                                    "' (types: ", TypeNames(*this), ")"));
}

absl::StatusOr<const SystemType*> SystemFile::TypeById(uint32_t id) const {
  for (const SystemType& t : types) {
    if (t.id == id) return &t;
  }
  return absl::NotFoundError(StrCat(
      "type ", id, " is not in the system file (types: ", TypeNames(*this),
      "); is the file current?"));
}

absl::StatusOr<const SystemType*> SystemFile::TypeByFeed(
    std::string_view feed) const {
  for (const SystemType& t : types) {
    if (t.feed == feed) return &t;
  }
  return absl::NotFoundError(StrCat("no collateral type reads feed '", feed,
                                    "' (types: ", TypeNames(*this), ")"));
}

json SystemToJson(const SystemFile& s) {
  json types = json::array();
  for (const SystemType& t : s.types) {
    types.push_back({{"name", t.name},
                     {"id", t.id},
                     {"token", Hex0x(t.token)},
                     {"feed", t.feed},
                     {"auction", t.auction.empty() ? "" : Hex0x(t.auction)},
                     {"decimals", t.decimals}});
  }
  return json{{"chain_id", s.chain_id},
              {"engine", Hex0x(s.engine)},
              {"oracle", Hex0x(s.oracle)},
              {"stable", Hex0x(s.stable)},
              {"faucet", s.faucet.empty() ? "" : Hex0x(s.faucet)},
              {"stable_decimals", s.stable_decimals},
              {"types", types}};
}

absl::StatusOr<SystemFile> SystemFromJson(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Bad("document", "not a JSON object");
  }
  RETURN_IF_ERROR(OnlyFields(doc,
                             {"chain_id", "engine", "oracle", "stable",
                              "faucet", "stable_decimals", "types"},
                             ""));
  SystemFile s;
  ASSIGN_OR_RETURN(s.chain_id, Str(doc, "chain_id", ""));
  ASSIGN_OR_RETURN(s.engine, Addr(doc, "engine", "", false));
  ASSIGN_OR_RETURN(s.oracle, Addr(doc, "oracle", "", false));
  ASSIGN_OR_RETURN(s.stable, Addr(doc, "stable", "", false));
  ASSIGN_OR_RETURN(s.faucet, Addr(doc, "faucet", "", true));
  ASSIGN_OR_RETURN(int64_t sd,
                   Int(doc, "stable_decimals", "", kMaxTokenDecimals));
  s.stable_decimals = static_cast<int>(sd);
  auto types = doc.find("types");
  if (types == doc.end() || !types->is_array()) {
    return Bad("types", "missing or not an array");
  }
  if (types->size() > kMaxTypes) {
    return Bad("types", StrCat("more than ", kMaxTypes));
  }
  for (size_t i = 0; i < types->size(); ++i) {
    const json& t = (*types)[i];
    const std::string where = StrCat("types[", i, "].");
    if (!t.is_object()) return Bad(StrCat("types[", i, "]"), "not an object");
    RETURN_IF_ERROR(OnlyFields(
        t, {"name", "id", "token", "feed", "auction", "decimals"}, where));
    SystemType type;
    ASSIGN_OR_RETURN(type.name, Str(t, "name", where));
    ASSIGN_OR_RETURN(int64_t id, Int(t, "id", where, kMaxTypes - 1));
    type.id = static_cast<uint32_t>(id);
    ASSIGN_OR_RETURN(type.token, Addr(t, "token", where, false));
    ASSIGN_OR_RETURN(type.feed, Str(t, "feed", where));
    ASSIGN_OR_RETURN(type.auction, Addr(t, "auction", where, true));
    ASSIGN_OR_RETURN(int64_t d, Int(t, "decimals", where, kMaxTokenDecimals));
    type.decimals = static_cast<int>(d);
    s.types.push_back(std::move(type));
  }
  return s;
}

std::string BallastHome() {
  std::string keys = Keystore::DefaultDir();  // <home>/keys
  return keys.substr(0, keys.rfind('/'));
}

absl::StatusOr<std::string> SystemPath(std::string_view chain_id) {
  bool ok = !chain_id.empty() && chain_id.size() <= 64 && chain_id[0] != '.';
  for (char c : chain_id) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        StrCat("chain id '", chain_id.substr(0, 64),
               "' cannot name a system file; give --system FILE"));
  }
  return StrCat(BallastHome(), "/systems/", chain_id, ".json");
}

absl::StatusOr<SystemFile> LoadSystem(const std::string& path) {
  ReadFileOptions read;
  read.max_bytes = kMaxSystemFileBytes;
  absl::StatusOr<std::string> text = ReadFile(path, read);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(
        StrCat("no system file ", path,
               ": deploy one with 'ballast system deploy --from NAME', or "
               "give --system FILE"));
  }
  if (!text.ok()) return text.status();
  absl::StatusOr<SystemFile> s = SystemFromJson(*text);
  if (!s.ok()) return Annotate(s.status(), path);
  return s;
}

absl::Status SaveSystem(const std::string& path, const SystemFile& system) {
  const std::string dir = path.substr(0, path.rfind('/'));
  const std::string home = dir.substr(0, dir.rfind('/'));
  for (const std::string& d : {home, dir}) {
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", d, errno);
    }
  }
  return WriteFileDurably(path, SystemToJson(system).dump(2) + "\n");
}

}  // namespace ballast::cli
