#include "tools/cli/dev_commands.h"

#include <limits>
#include <memory>

#include "CLI/CLI.hpp"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "node/api/proto_json.h"
#include "tools/cli/output.h"

namespace ballast::cli {
namespace {

absl::Status NotADuration(std::string_view text) {
  return absl::InvalidArgumentError(
      StrCat("'", text.substr(0, 40),
             "' is not a duration (one or more <digits><unit>, unit ms, s, "
             "m, h or d: e.g. 90s, 15m, 1h, 2d, 1h30m)"));
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(std::string_view text) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (text.empty()) return NotADuration(text);
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t digits_start = i;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (n > (kMax - digit) / 10) {
        return absl::InvalidArgumentError(
            StrCat("duration '", text.substr(0, 40), "' is too large"));
      }
      n = n * 10 + digit;
      ++i;
    }
    const size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    if (digits_start == unit_start) return NotADuration(text);
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60 * 1000;
    } else if (unit == "h") {
      scale = 3600 * 1000;
    } else if (unit == "d") {
      scale = 24 * 3600 * 1000;
    } else {
      return NotADuration(text);
    }
    if (n > kMax / scale || n * scale > kMax - total) {
      return absl::InvalidArgumentError(
          StrCat("duration '", text.substr(0, 40), "' is too large"));
    }
    total += n * scale;
  }
  return total;
}

absl::Status DevMine(Session& s, const DevMineArgs& args) {
  api::DevMineRequest request;
  request.set_blocks(args.blocks);
  if (!args.advance.empty()) {
    absl::StatusOr<int64_t> ms = ParseDurationMs(args.advance);
    if (!ms.ok()) return Annotate(ms.status(), "--advance");
    request.set_advance_ms(*ms);
  }
  if (args.at_ms.has_value()) request.set_time_ms(*args.at_ms);
  ASSIGN_OR_RETURN(api::Client * node, s.Node());
  ASSIGN_OR_RETURN(api::DevMineResponse mined, node->DevMine(request));
  absl::StatusOr<nlohmann::json> doc = api::ProtoToJson(mined);
  RETURN_IF_ERROR(doc.status());
  Table blocks({"BLOCK", "TIME", "TXS"});
  for (const api::MinedBlock& b : mined.blocks()) {
    blocks.AddRow({StrCat(b.height()), FormatTimeMs(StrCat(b.time_ms())),
                   StrCat(b.txs())});
  }
  s.Emit(*doc,
         blocks.Render() + Fields()
                               .Add("pending", StrCat(mined.pending()))
                               .Add("clock offset",
                                    StrCat(mined.dev_clock_offset_ms(), " ms"))
                               .Render());
  return absl::OkStatus();
}

void RegisterDevCommands(CLI::App& app, const CommandHook& on) {
  CLI::App* dev = app.add_subcommand(
      "dev", "Drive a development node (ballastd --dev): mine, move time");
  dev->require_subcommand(1);
  auto args = std::make_shared<DevMineArgs>();
  CLI::App* mine = dev->add_subcommand(
      "mine",
      "Mine N blocks now (default 1), each with the ready transactions; "
      "optionally move the block clock first");
  mine->add_option("N", args->blocks, "How many blocks (1..1000)")
      ->capture_default_str();
  auto* advance = mine->add_option(
      "--advance", args->advance,
      "Move the block clock forward first by a duration: 90s, 15m, 1h, 2d, "
      "1h30m");
  mine->add_option("--at", args->at_ms,
                   "The first block's exact time (ms since the epoch; not "
                   "before the head block's)")
      ->check(CLI::NonNegativeNumber)
      ->excludes(advance);
  on(mine, "dev mine", [args](Session& s) { return DevMine(s, *args); });
}

}  // namespace ballast::cli
