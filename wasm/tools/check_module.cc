// ballast-check-module [--expect-refusal TEXT] FILE.wasm
// ballast-check-module --write-instrumented OUT.wasm FILE.wasm
//
// The contract build's post-link check: runs the runtime's own deploy
// checks (PrepareModule with the default Limits) on a module em++ linked, so
// a contract that a node would refuse fails the build with the node's
// message. One check is added for modules built by the SDK: the memory must
// declare a maximum within Limits::max_memory_pages (PrepareModule accepts
// any maximum and clamps it; a contract built to expect more memory than it
// can get would fail only when it grows).
//
// With --expect-refusal, the module must be refused by PrepareModule with a
// message containing TEXT (test contracts that exist to be refused, such as
// contracts/testing/float).
//
// With --write-instrumented, a module that passes is also written to OUT as
// the node would run it (instrumented by PrepareModule): what the compiled
// engine's C is generated from, for benchmarks and for reading.
//
// Exit status: 0 if the module passed (or was refused as expected), 1 if it
// failed the check (the reason, naming FILE, on stderr), 2 on bad usage or
// an unreadable file.

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/base/files.h"
#include "ledger/base/strings.h"
#include "wasm/limits.h"
#include "wasm/prepare.h"

namespace ballast::wasm {
namespace {

// OK if the memory maximum `prepared` declares is one the SDK may build.
absl::Status CheckDeclaredMemory(const PreparedModule& prepared,
                                 const Limits& limits) {
  const std::optional<uint64_t>& max = prepared.declared_max_memory_pages;
  if (max.has_value() && *max <= limits.max_memory_pages) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      StrCat("memory ",
             max.has_value() ? StrCat("maximum of ", *max, " pages")
                             : std::string("without a maximum"),
             ": a contract must declare a maximum of at most the runtime's ",
             limits.max_memory_pages, " pages (em++ -sMAXIMUM_MEMORY)"));
}

int Run(const std::string& path, const std::string* expect_refusal,
        const std::string* instrumented_out) {
  const absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) {
    std::fprintf(stderr, "%s\n", bytes.status().ToString().c_str());
    return 2;
  }
  const Limits limits;
  const absl::StatusOr<PreparedModule> prepared = PrepareModule(*bytes, limits);
  const std::string message(prepared.status().message());
  if (expect_refusal != nullptr) {
    if (prepared.ok()) {
      std::fprintf(stderr,
                   "%s: accepted, but it must be refused at deploy with "
                   "\"%s\"\n",
                   path.c_str(), expect_refusal->c_str());
      return 1;
    }
    if (message.find(*expect_refusal) == std::string::npos) {
      std::fprintf(stderr, "%s: refused at deploy, but not with \"%s\": %s\n",
                   path.c_str(), expect_refusal->c_str(), message.c_str());
      return 1;
    }
    return 0;
  }
  if (!prepared.ok()) {
    std::fprintf(stderr, "%s: refused at deploy: %s\n", path.c_str(),
                 message.c_str());
    return 1;
  }
  if (absl::Status s = CheckDeclaredMemory(*prepared, limits); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(),
                 std::string(s.message()).c_str());
    return 1;
  }
  if (instrumented_out != nullptr) {
    absl::Status s = WriteFileDurably(*instrumented_out, prepared->code);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace
}  // namespace ballast::wasm

int main(int argc, char** argv) {
  const std::string usage =
      "usage: ballast-check-module [--expect-refusal TEXT] FILE.wasm\n"
      "       ballast-check-module --write-instrumented OUT.wasm FILE.wasm\n";
  if (argc == 2 && std::string_view(argv[1]).substr(0, 2) != "--") {
    return ballast::wasm::Run(argv[1], nullptr, nullptr);
  }
  if (argc == 4 && std::string_view(argv[1]) == "--expect-refusal") {
    const std::string text = argv[2];
    if (!text.empty()) return ballast::wasm::Run(argv[3], &text, nullptr);
  }
  if (argc == 4 && std::string_view(argv[1]) == "--write-instrumented") {
    const std::string out = argv[2];
    if (!out.empty()) return ballast::wasm::Run(argv[3], nullptr, &out);
  }
  std::fputs(usage.c_str(), stderr);
  return 2;
}
