// The system file (tools/cli/system_file.h) and the merging of proof
// documents behind `reserves --prove` (tools/cli/vault_commands.h).

#include "tools/cli/system_file.h"

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "node/api/proof.h"
#include "tests/testing/temp_dir.h"
#include "tools/cli/vault_commands.h"

namespace ballast::cli {
namespace {

using nlohmann::json;

std::string Addr(char c) { return std::string(20, c); }

SystemFile Sample() {
  SystemFile s;
  s.chain_id = "c1";
  s.engine = Addr('e');
  s.oracle = Addr('o');
  s.stable = Addr('s');
  s.faucet = Addr('f');
  s.stable_decimals = 6;
  s.types.push_back({"tETH", 1, Addr('1'), "tETH", "", 8});
  s.types.push_back({"tBTC", 2, Addr('2'), "BTC/USD", Addr('a'), 8});
  return s;
}

TEST(SystemFileTest, RoundTripsThroughAFile) {
  test::TempDir dir("system");
  const std::string path = dir.path() + "/home/systems/c1.json";
  ASSERT_TRUE(SaveSystem(path, Sample()).ok());
  auto back = LoadSystem(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(SystemToJson(*back), SystemToJson(Sample()));
  EXPECT_EQ((*back->Type("tBTC"))->feed, "BTC/USD");
  EXPECT_EQ((*back->Type("2"))->name, "tBTC");
  EXPECT_EQ((*back->TypeByFeed("tETH"))->id, 1u);
  EXPECT_EQ((*back->TypeById(2))->auction, Addr('a'));
  auto missing = back->Type("tSOL");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(std::string(missing.status().message()),
            "no collateral type 'tSOL' (types: tETH, tBTC)");
}

TEST(SystemFileTest, AMissingFileSaysHowToMakeOne) {
  auto r = LoadSystem("/nonexistent/systems/x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("ballast system deploy"),
            std::string::npos);
}

TEST(SystemFileTest, EveryFieldIsChecked) {
  const json good = SystemToJson(Sample());
  struct Case {
    std::string what;
    std::function<void(json&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown field", [](json& j) { j["extra"] = 1; },
       "extra: unknown field"},
      {"bad engine", [](json& j) { j["engine"] = "0x12"; },
       "engine: not an address"},
      {"missing oracle", [](json& j) { j.erase("oracle"); },
       "oracle: missing or not a string"},
      {"decimals", [](json& j) { j["stable_decimals"] = 19; },
       "stable_decimals: out of range 0..18"},
      {"negative decimals", [](json& j) { j["types"][0]["decimals"] = -1; },
       "types[0].decimals: out of range"},
      {"type id", [](json& j) { j["types"][1]["id"] = 16; },
       "types[1].id: out of range 0..15"},
      {"type field", [](json& j) { j["types"][0]["x"] = ""; },
       "types[0].x: unknown field"},
      {"types", [](json& j) { j["types"] = "none"; }, "types: missing"},
  };
  for (const Case& c : cases) {
    json doc = good;
    c.edit(doc);
    auto r = SystemFromJson(doc.dump());
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.what << ": " << r.status();
  }
  EXPECT_FALSE(SystemFromJson("[1]").ok());
  EXPECT_FALSE(SystemFromJson("{").ok());
}

TEST(SystemFileTest, OnlyPlainChainIdsNameAFile) {
  EXPECT_TRUE(SystemPath("ballast-devnet").ok());
  EXPECT_TRUE(SystemPath("chain_1.test").ok());
  for (const char* bad : {"", "../x", "a/b", ".hidden", "a b"}) {
    EXPECT_FALSE(SystemPath(bad).ok()) << bad;
  }
  EXPECT_FALSE(SystemPath(std::string(65, 'a')).ok());
}

api::ProofResponse Doc(uint64_t height, const std::string& key) {
  api::ProofResponse d;
  d.set_chain_id("c1");
  d.set_height(height);
  d.set_block_hash(std::string(32, 'h'));
  d.mutable_header()->set_height(height);
  d.mutable_header()->set_chain_id("c1");
  d.add_signatures()->set_signature(std::string(64, 's'));
  api::ProofEntry* e = d.add_entries();
  e->set_contract(Addr('c'));
  e->set_key(key);
  return d;
}

TEST(MergeProofDocumentsTest, ConcatenatesTheEntriesOfOneHeader) {
  auto merged = MergeProofDocuments({Doc(5, "a"), Doc(5, "b"), Doc(5, "c")});
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->entries_size(), 3);
  EXPECT_EQ(merged->entries(2).key(), "c");
  EXPECT_EQ(merged->signatures_size(), 1);
}

TEST(MergeProofDocumentsTest, RefusesDocumentsOfDifferentHeaders) {
  struct Case {
    std::function<void(api::ProofResponse&)> edit;
    std::string differs;
  };
  const std::vector<Case> cases = {
      {[](api::ProofResponse& d) { d.set_chain_id("c2"); }, "chain id"},
      {[](api::ProofResponse& d) { d.set_height(6); }, "height"},
      {[](api::ProofResponse& d) { d.set_block_hash(std::string(32, 'i')); },
       "block hash"},
      {[](api::ProofResponse& d) { d.mutable_header()->set_time_ms(1); },
       "header"},
      {[](api::ProofResponse& d) {
         d.mutable_signatures(0)->set_signature(std::string(64, 't'));
       },
       "signatures"},
      {[](api::ProofResponse& d) { d.add_signatures(); }, "signatures"},
  };
  for (const Case& c : cases) {
    api::ProofResponse other = Doc(5, "b");
    c.edit(other);
    auto merged = MergeProofDocuments({Doc(5, "a"), other});
    ASSERT_FALSE(merged.ok()) << c.differs;
    EXPECT_NE(merged.status().message().find("differ in their " + c.differs),
              std::string::npos)
        << merged.status();
  }
  EXPECT_FALSE(MergeProofDocuments({}).ok());
}

}  // namespace
}  // namespace ballast::cli
