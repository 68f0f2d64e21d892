// Test support for the collateral system end to end: a real
// `ballastd --dev` (restartable on the same port), keys alice (the system's
// admin and reporter), bob and keeper, the system deployed with
// `ballast system deploy` and an auction bound to each type, and helpers
// that run the CLI on it (tests/tools/cli_harness.h).

#ifndef BALLAST_TESTS_TOOLS_SYSTEM_HARNESS_H_
#define BALLAST_TESTS_TOOLS_SYSTEM_HARNESS_H_

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/tools/cli_harness.h"

namespace ballast::test {

using json = nlohmann::json;
using u128 = unsigned __int128;

inline constexpr uint64_t kEth = 100'000'000;  // 1 tETH (8 decimals)
inline constexpr uint64_t kUsd = 1'000'000;    // 1 BUSD (6 decimals)

inline std::string S(uint64_t v) { return std::to_string(v); }

inline u128 Big(const json& v) {
  u128 r = 0;
  for (char c : v.get<std::string>()) r = r * 10 + (c - '0');
  return r;
}
inline uint64_t U(const json& v) { return std::stoull(v.get<std::string>()); }

// The JSON lines of a keeper's output (other lines, e.g. stderr, skipped).
inline std::vector<json> Lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json doc = json::parse(line, nullptr, false);
    if (doc.is_object()) out.push_back(doc);
  }
  return out;
}
inline std::vector<json> Actions(const std::vector<json>& lines,
                                 const std::string& action) {
  std::vector<json> out;
  for (const json& l : lines) {
    if (l.value("action", "") == action) out.push_back(l);
  }
  return out;
}

class SystemE2ETest : public CliTest {
 protected:
  void SetUp() override {
    node_ = std::make_unique<BallastdProcess>(
        dir_ + "/data",
        std::vector<std::string>{"--chain-id", chain_id_, "--block-time", "0",
                                 "--log-level", "warn", "--dev"});
    node_->KeepPort();  // the long-running keeper keeps its URL
    ASSERT_TRUE(node_->Start()) << node_->log();
    node_url_ = node_->url();
    alice_ = CliJson({"keys", "new", "alice"})["address"].get<std::string>();
    bob_ = CliJson({"keys", "new", "bob"})["address"].get<std::string>();
    keeper_ = CliJson({"keys", "new", "keeper"})["address"].get<std::string>();
    sys_ = CliJson({"system", "deploy", "--from", "alice"});
    ASSERT_TRUE(sys_.is_object());
  }

  json Ok(const std::vector<std::string>& args) { return CliJson(args); }

  // Opens a tETH position of `who`'s with `coll` collateral and `debt` drawn.
  std::string Open(uint64_t coll, uint64_t debt, const std::string& who) {
    const std::string id = Ok({"vault", "open", "tETH", "--from", who})["id"];
    Ok({"vault", "deposit", id, S(coll), "--from", who});
    Ok({"vault", "mint", id, S(debt), "--from", who});
    return id;
  }

  uint64_t Balance(const std::string& token, const std::string& owner) {
    json r =
        CliJson({"query", token, "balance_of", json{{"owner", owner}}.dump()});
    return std::stoull(r["result"].value("balance", std::string("0")));
  }

  // The engine's books balance exactly: supply * RAY + surplus = debt +
  // auction debt + bad debt + settled (rad; settled only after shutdown).
  void ExpectBooksBalance() {
    json a = CliJson(
        {"query", sys_["engine"].get<std::string>(), "accounting"})["result"];
    u128 ray = 1;
    for (int i = 0; i < 27; ++i) ray *= 10;
    auto field = [&](const char* name) {
      return a.contains(name) ? Big(a[name]) : u128{0};
    };
    const u128 supply =
        a.contains("stable_supply") ? Big(a["stable_supply"]) : u128{0};
    EXPECT_TRUE(supply * ray + field("surplus") ==
                field("debt") + field("auction_debt") + field("bad_debt") +
                    field("settled"))
        << a.dump();
  }

  std::string chain_id_ = "system-test";
  std::unique_ptr<BallastdProcess> node_;
  std::string alice_, bob_, keeper_;
  json sys_;
};

}  // namespace ballast::test

#endif  // BALLAST_TESTS_TOOLS_SYSTEM_HARNESS_H_
