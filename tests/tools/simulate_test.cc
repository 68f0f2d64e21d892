// `ballast simulate`: the scenario format's checks, the shipped
// black-thursday scenario pinned to the values, and the smoke
// scenario run end to end (a real ballastd --dev started by the simulator,
// the real contracts, gnuplot).

#include "tools/simulate/simulate.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/base/files.h"
#include "tests/testing/ballastd_process.h"
#include "tests/tools/cli_harness.h"
#include "tools/simulate/scenario.h"

namespace ballast::simulate {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

const std::string kScenarios = BALLAST_SCENARIOS_DIR;

json Doc(const std::string& name) {
  auto text = ReadFile(kScenarios + "/" + name);
  EXPECT_TRUE(text.ok()) << text.status();
  return json::parse(text.ok() ? *text : "null");
}

// The values issue 9 fixes for the shipped scenario, so that nobody can make
// it easy by editing the file.
TEST(ScenarioTest, BlackThursdayIsPinned) {
  auto s = LoadScenario(kScenarios + "/black-thursday.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->positions, 1000u);
  EXPECT_EQ(s->liquidation_ratio, "1.5");
  EXPECT_EQ(s->ratio_min, "1.5");
  EXPECT_EQ(s->ratio_max, "2.25");
  EXPECT_EQ(s->block_seconds, 12u);
  ASSERT_EQ(s->path.size(), 2u);
  EXPECT_EQ(s->path[0].blocks, 100u);
  EXPECT_EQ(s->start_price, "2000");
  EXPECT_EQ(s->path[0].to, "1000");  // down 50%, linearly
  EXPECT_EQ(s->path[1].blocks, 50u);
  EXPECT_EQ(s->path[1].to, "1000");  // then flat
  EXPECT_EQ(s->lag_blocks, 1u);
  EXPECT_EQ(s->interval_blocks, 1u);
  EXPECT_EQ(s->delay_s, 0u);
  EXPECT_EQ(s->discount, "0.02");
  ASSERT_EQ(s->keepers.size(), 2u);
  for (const KeeperSpec& k : s->keepers) {
    EXPECT_EQ(k.capital, "0.05");
    EXPECT_EQ(k.every_blocks, 1u);
  }
  EXPECT_EQ(s->keepers[0].offline_until, 20u);
  EXPECT_EQ(s->keepers[1].offline_until, 0u);
  EXPECT_EQ(s->target_liquidation_blocks, 10u);
  EXPECT_EQ(s->target_bad_debt, "0.001");
  EXPECT_TRUE(s->redemptions.empty());
}

TEST(ScenarioTest, EachBadFieldIsRefusedByItsPath) {
  const json good = Doc("smoke.json");
  ASSERT_TRUE(ParseScenario(good).ok()) << ParseScenario(good).status();
  struct Case {
    std::string path;
    json value;  // null: remove the field
    std::string message;
  };
  const std::vector<Case> cases = {
      {"positions.count", 0, "positions.count: must be an integer in [1, "},
      {"positions.count", 10001, "positions.count: must be an integer"},
      {"positions.count", "12", "positions.count: must be an integer"},
      {"positions.owners", 13, "at most positions.count"},
      {"positions.debt", "-1", "positions.debt"},
      {"positions.debt", "1e9", "positions.debt"},
      {"positions.ratio_min", "1.4", "every position opens safe"},
      {"positions.ratio_max", "1.49", "every position opens safe"},
      {"positions.ratio_min", "1.5.0", "positions.ratio_min"},
      {"price.start", "0", "price.start: must be in"},
      {"price.path", json::array(), "price.path: must not be empty"},
      {"oracle.lag_blocks", -1, "oracle.lag_blocks"},
      {"market.discount", "1", "market.discount: must be in [0, 1)"},
      {"keepers.0.margin", "1", "keepers.0.margin"},
      {"keepers.0.capital", "abc", "keepers.0.capital"},
      {"auction.cut", "1", "auction.cut"},
      {"collateral.dust", "3000000000", "collateral.dust"},
      {"targets", nullptr, "targets: missing"},
      {"name", nullptr, "name: missing"},
  };
  for (const Case& c : cases) {
    json doc = good;
    json* parent = &doc;
    std::string last = c.path;
    for (size_t dot; (dot = last.find('.')) != std::string::npos;) {
      const std::string part = last.substr(0, dot);
      parent =
          parent->is_array() ? &(*parent)[std::stoul(part)] : &(*parent)[part];
      last = last.substr(dot + 1);
    }
    if (c.value.is_null()) {
      parent->erase(last);
    } else if (parent->is_array()) {
      (*parent)[std::stoul(last)] = c.value;
    } else {
      (*parent)[last] = c.value;
    }
    auto s = ParseScenario(doc);
    EXPECT_FALSE(s.ok()) << c.path;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message))
        << c.path;
  }
  json unknown = good;
  unknown["oracle"]["lag"] = 1;
  EXPECT_THAT(std::string(ParseScenario(unknown).status().message()),
              HasSubstr("oracle.lag: unknown field"));
  json too_long = good;
  too_long["price"]["path"][0]["blocks"] = kMaxBlocks;
  EXPECT_THAT(std::string(ParseScenario(too_long).status().message()),
              HasSubstr("price.path: spans"));
}

TEST(ScenarioTest, AFileIsBoundedInSizeAndDepth) {
  test::TempDir tmp("scenario");
  const std::string deep = tmp.path() + "/deep.json";
  ASSERT_TRUE(WriteFileDurably(
                  deep, std::string(100000, '[') + std::string(100000, ']'))
                  .ok());
  EXPECT_THAT(std::string(LoadScenario(deep).status().message()),
              HasSubstr("nested deeper"));
  const std::string big = tmp.path() + "/big.json";
  ASSERT_TRUE(WriteFileDurably(big, std::string((1 << 20) + 1, ' ')).ok());
  EXPECT_FALSE(LoadScenario(big).ok());
  const std::string bad = tmp.path() + "/bad.json";
  ASSERT_TRUE(WriteFileDurably(bad, "{\"name\": ").ok());
  EXPECT_THAT(std::string(LoadScenario(bad).status().message()),
              HasSubstr("not valid JSON"));
}

TEST(ScenarioTest, SetFieldNamesExistingFieldsOnly) {
  json doc = Doc("smoke.json");
  ASSERT_TRUE(SetField(doc, "oracle.lag_blocks", "3").ok());
  EXPECT_EQ(doc["oracle"]["lag_blocks"], 3);
  ASSERT_TRUE(SetField(doc, "keepers.1.capital", "0.5").ok());
  EXPECT_EQ(doc["keepers"][1]["capital"], "0.5");
  EXPECT_TRUE(absl::IsNotFound(SetField(doc, "oracle.nope", "1")));
  EXPECT_TRUE(absl::IsNotFound(SetField(doc, "keepers.9.capital", "1")));
  auto s = ParseScenario(doc);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->lag_blocks, 3u);
}

// The smoke scenario on a real node: every position turns unsafe on the way
// down and is liquidated, the keepers' takes clear the sales, and the run
// writes its files.
class SimulateE2ETest : public test::CliTest {};

TEST_F(SimulateE2ETest, SmokeScenarioRunsEndToEnd) {
  const std::string out = dir_ + "/out";
  RunResult r = ballast::Run(
      {BALLAST_CLI_BINARY, "--json", "simulate", kScenarios + "/smoke.json",
       "--out", out, "--quiet", "--ballastd", test::BallastdBinary(),
       "--contracts", BALLAST_CONTRACTS_DIR},
      {{"BALLAST_HOME", home_}}, "", std::chrono::minutes(10));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const json summary = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << r.Describe();
  EXPECT_EQ(summary["positions"], 12);
  EXPECT_EQ(summary["blocks"], 16);
  EXPECT_EQ(summary["starting_debt"], "24000");
  // The market falls 30%: the positions opened below 1.5/0.7 = 214% all
  // turn unsafe, and every one is liquidated in time.
  EXPECT_EQ(summary["liquidated"], 12) << summary.dump(2);
  EXPECT_EQ(summary["targets"]["met"], true) << summary.dump(2);
  EXPECT_EQ(summary["invariants"], "held after every block");

  auto csv = ReadFile(out + "/blocks.csv");
  ASSERT_TRUE(csv.ok());
  std::istringstream lines(*csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_THAT(line, HasSubstr("block,height,time_s,market_price,oracle_price"));
  int rows = 0;
  std::string last;
  while (std::getline(lines, line)) {
    ++rows;
    last = line;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 12) << line;
  }
  EXPECT_EQ(rows, 17);  // block 0 (after set-up) and blocks 1..16
  EXPECT_THAT(last, ::testing::StartsWith("16,"));
  EXPECT_THAT(last, HasSubstr(",192,1400,"));  // 16 * 12 s, the market
  EXPECT_TRUE(std::filesystem::file_size(out + "/chart.png") > 1000);
  EXPECT_TRUE(std::filesystem::exists(out + "/summary.json"));
  auto log = ReadFile(out + "/keepers.log");
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, HasSubstr("\"action\":\"liquidate\""));
  EXPECT_THAT(*log, HasSubstr("\"action\":\"take\""));
}

// The vault benchmark's phases each commit every one of their transactions
// (BenchVault refuses a failed one) and report the node's gas for them.
TEST_F(SimulateE2ETest, VaultBenchmarkRunsEveryPhase) {
  BenchOptions options;
  options.operations = 8;
  options.out_dir = dir_ + "/bench";
  options.ballastd = test::BallastdBinary();
  options.contracts_dir = BALLAST_CONTRACTS_DIR;
  auto phases = BenchVault(options);
  ASSERT_TRUE(phases.ok()) << phases.status();
  ASSERT_EQ(phases->size(), 4u);
  const std::vector<std::string> names = {"open_and_mint", "transfer",
                                          "liquidate", "take"};
  for (size_t i = 0; i < names.size(); ++i) {
    const BenchPhase& p = (*phases)[i];
    EXPECT_EQ(p.name, names[i]);
    EXPECT_EQ(p.ops, 8u);
    EXPECT_GT(p.per_second, 0);
    EXPECT_GE(p.blocks, 1u);
    // A vault call instantiates several modules; a transfer one.
    EXPECT_GT(p.gas_per_op, p.name == "transfer" ? 10'000u : 500'000u)
        << p.name;
  }
  options.operations = 7;
  EXPECT_TRUE(absl::IsInvalidArgument(BenchVault(options).status()));
}

TEST_F(SimulateE2ETest, ABadScenarioFailsBeforeAnyNodeStarts) {
  json doc = Doc("smoke.json");
  doc["positions"]["count"] = 0;
  const std::string path = dir_ + "/bad.json";
  ASSERT_TRUE(WriteFileDurably(path, doc.dump()).ok());
  RunResult r = ballast::Run({BALLAST_CLI_BINARY, "simulate", path, "--out",
                              dir_ + "/out", "--ballastd", "/nonexistent"},
                             {{"BALLAST_HOME", home_}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("positions.count: must be an integer"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/out/blocks.csv"));
  doc["positions"]["count"] = 12;
  ASSERT_TRUE(WriteFileDurably(path, doc.dump()).ok());
  r = ballast::Run({BALLAST_CLI_BINARY, "simulate", path, "--out",
                    dir_ + "/out", "--ballastd", "/nonexistent"},
                   {{"BALLAST_HOME", home_}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("no ballastd at /nonexistent"));
}

}  // namespace
}  // namespace ballast::simulate
