// `ballast dev mine`: strict durations, and the real binary against real
// ballastd processes, with and without --dev.

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/tools/cli_harness.h"
#include "tools/cli/dev_commands.h"

namespace ballast::test {
namespace {

TEST(DurationTest, UnitsAndSumsParseToMilliseconds) {
  struct Case {
    std::string text;
    int64_t ms;
  };
  for (const Case& c : std::vector<Case>{{"90s", 90'000},
                                         {"15m", 900'000},
                                         {"1h", 3'600'000},
                                         {"2d", 172'800'000},
                                         {"250ms", 250},
                                         {"0s", 0},
                                         {"1h30m", 5'400'000},
                                         {"1d1ms", 86'400'001}}) {
    absl::StatusOr<int64_t> ms = cli::ParseDurationMs(c.text);
    ASSERT_TRUE(ms.ok()) << c.text << ": " << ms.status();
    EXPECT_EQ(*ms, c.ms) << c.text;
  }
}

TEST(DurationTest, AnythingElseIsRefused) {
  for (const char* text :
       {"", "-1h", "+1h", "1", "h", "1.5h", "1 h", " 1h", "1h ", "1H", "1y",
        "1hh", "1sm", "0x10s", "1e3s", "1h-30m"}) {
    absl::StatusOr<int64_t> ms = cli::ParseDurationMs(text);
    EXPECT_EQ(ms.status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << text << "'";
    EXPECT_TRUE(
        Contains(std::string(ms.status().message()), "is not a duration"))
        << ms.status();
  }
  // int64 milliseconds hold ~292 million years; beyond is refused, also in
  // a sum and in the digits themselves.
  for (const char* text :
       {"106751991168d", "9223372036854775808ms", "99999999999999999999s",
        "9223372036854775807ms1ms"}) {
    absl::StatusOr<int64_t> ms = cli::ParseDurationMs(text);
    EXPECT_EQ(ms.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(Contains(std::string(ms.status().message()), "too large"))
        << ms.status();
  }
  EXPECT_EQ(*cli::ParseDurationMs("106751991167d"),
            int64_t{106751991167} * 86400000);
}

class DevCliTest : public CliTest {
 protected:
  std::unique_ptr<BallastdProcess> StartNode(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--chain-id", "dev-cli", "--log-level",
                                     "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto node = std::make_unique<BallastdProcess>(dir_ + "/data", args);
    EXPECT_TRUE(node->Start()) << node->log();
    node_url_ = node->url();
    return node;
  }
};

TEST_F(DevCliTest, MineAdvanceAndAnExactTime) {
  auto node = StartNode({"--dev", "--block-time", "manual"});
  RunResult r = Cli({"dev", "mine"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "BLOCK  TIME")) << r.out;
  EXPECT_EQ(FieldValue(r.out, "pending"), "0") << r.out;
  EXPECT_EQ(FieldValue(r.out, "clock offset"), "0 ms") << r.out;

  nlohmann::json first = CliJson({"dev", "mine"});
  const int64_t t2 =
      std::stoll(first["blocks"][0]["time_ms"].get<std::string>());
  nlohmann::json later = CliJson({"dev", "mine", "3", "--advance", "1h"});
  ASSERT_EQ(later["blocks"].size(), 3u) << later;
  EXPECT_EQ(later["blocks"][0]["height"], "3");
  EXPECT_EQ(later["blocks"][2]["height"], "5");
  EXPECT_GE(std::stoll(later["blocks"][0]["time_ms"].get<std::string>()),
            t2 + 3'600'000);
  EXPECT_EQ(later["dev_clock_offset_ms"], "3600000");

  const int64_t head =
      std::stoll(later["blocks"][2]["time_ms"].get<std::string>());
  const std::string at = std::to_string(head + 12'000);
  nlohmann::json exact = CliJson({"dev", "mine", "--at", at});
  EXPECT_EQ(exact["blocks"][0]["time_ms"], at) << exact;

  r = Cli({"dev", "mine", "--at", std::to_string(head)});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "is before the head block's time")) << r.err;
  r = Cli({"dev", "mine", "--advance", "-1h"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "--advance: '-1h' is not a duration")) << r.err;
  r = Cli({"dev", "mine", "--advance", "1h", "--at", at});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  r = Cli({"dev", "mine", "0"});
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "not in 1..1000")) << r.err;
  r = Cli({"dev", "mine", "many"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(CliJson({"status"})["height"], "6");
}

TEST_F(DevCliTest, ANodeWithoutDevRefuses) {
  auto node = StartNode({});
  RunResult r = Cli({"dev", "mine", "--advance", "1h"});
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "dev routes need ballastd --dev")) << r.err;
  r = Cli({"--json", "dev", "mine"});
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "FAILED_PRECONDITION")) << r.out;
}

}  // namespace
}  // namespace ballast::test
