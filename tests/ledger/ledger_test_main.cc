// main of ledger_test. With --ledger_crash_writer=DIR it is not a test run
// but the writer process of crash_test.cc.

#include <string_view>

#include "gtest/gtest.h"
#include "tests/ledger/test_util.h"

int main(int argc, char** argv) {
  constexpr std::string_view kWriterFlag = "--ledger_crash_writer=";
  if (argc == 2 && std::string_view(argv[1]).starts_with(kWriterFlag)) {
    return ballast::ledger::testing::RunCrashWriter(
        std::string(std::string_view(argv[1]).substr(kWriterFlag.size())));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
