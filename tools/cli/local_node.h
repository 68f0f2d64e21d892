// A ballastd child process on a loopback port, for the tools that run
// chains of their own: `ballast simulate` (one dev chain) and `ballast
// chains up` (several). The tests have their own (tests/testing/
// ballastd_process.h), which can also restart a node on its port.
//
// Not thread-safe. The destructor stops the node (SIGTERM, then SIGKILL
// after 20 s) and reaps it.

#ifndef BALLAST_TOOLS_CLI_LOCAL_NODE_H_
#define BALLAST_TOOLS_CLI_LOCAL_NODE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/base/subprocess.h"

namespace ballast::cli {

class LocalNode {
 public:
  // Starts `binary --data-dir DATA_DIR --listen 127.0.0.1:0 ARGS...` with
  // its output appended to `log`, and waits up to 30 s until it answers on
  // the address it writes to DATA_DIR/api.addr. NotFound if `binary` is not
  // an executable; Unavailable (naming the log) if it exits or never answers.
  static absl::StatusOr<std::unique_ptr<LocalNode>> Start(
      const std::string& binary, const std::string& data_dir,
      const std::vector<std::string>& args, const std::string& log);

  const std::string& url() const { return url_; }
  bool Running() { return child_->Running(); }
  // SIGTERM, then SIGKILL after `grace`; returns the exit code (-1 if a
  // signal ended it).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(20)) {
    return child_->Stop(grace);
  }

 private:
  LocalNode(std::unique_ptr<ChildProcess> child, std::string url)
      : child_(std::move(child)), url_(std::move(url)) {}

  std::unique_ptr<ChildProcess> child_;
  std::string url_;
};

// $BALLASTD if set, else the ballastd of the build tree the running binary
// belongs to (<build>/tools/X/Y -> <build>/node/ballastd).
std::string DefaultBallastd();

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_LOCAL_NODE_H_
