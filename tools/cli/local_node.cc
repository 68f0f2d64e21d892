#include "tools/cli/local_node.h"

#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/files.h"
#include "ledger/base/status_macros.h"
#include "node/api/client.h"

namespace ballast::cli {

absl::StatusOr<std::unique_ptr<LocalNode>> LocalNode::Start(
    const std::string& binary, const std::string& data_dir,
    const std::vector<std::string>& args, const std::string& log) {
  if (::access(binary.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no ballastd at ", binary,
                                            " (give --ballastd or $BALLASTD)"));
  }
  // A stale address (a node killed with -9 leaves one) must not be taken
  // for the new node's.
  std::error_code ec;
  std::filesystem::remove(data_dir + "/api.addr", ec);
  std::vector<std::string> argv = {binary, "--data-dir", data_dir, "--listen",
                                   "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = std::make_unique<ChildProcess>(argv, log);
  if (!child->started()) {
    return absl::UnavailableError(absl::StrCat("ballastd: ", child->error()));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (!child->Running()) {
      return absl::UnavailableError(absl::StrCat(
          "ballastd exited (code ", child->exit_code(), "); see ", log));
    }
    auto read = ReadFileIfExists(data_dir + "/api.addr");
    std::string addr = read.ok() && read->has_value() ? **read : "";
    if (!addr.empty() && addr.back() == '\n') {
      addr.pop_back();
      const std::string url = absl::StrCat("http://", addr);
      ASSIGN_OR_RETURN(std::unique_ptr<api::Client> client,
                       api::Client::Create(url));
      auto health = client->Health();
      if (health.ok() && health->ok()) {
        return std::unique_ptr<LocalNode>(new LocalNode(std::move(child), url));
      }
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::UnavailableError(
      absl::StrCat("ballastd did not answer within 30 s; see ", log));
}

std::string DefaultBallastd() {
  if (const char* bin = std::getenv("BALLASTD"); bin && *bin) return bin;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "ballastd";
  std::filesystem::path exe(std::string(buf, static_cast<size_t>(n)));
  return (exe.parent_path().parent_path().parent_path() / "node" / "ballastd")
      .string();
}

}  // namespace ballast::cli
