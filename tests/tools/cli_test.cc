// The `ballast` binary without a node: help, usage errors, keys, and what
// it says when the node is not there.

#include <sys/stat.h>

#include "gtest/gtest.h"
#include "tests/testing/files.h"
#include "tests/tools/cli_harness.h"

namespace ballast::test {
namespace {

using CliWithoutNodeTest = CliTest;

TEST_F(CliWithoutNodeTest, EveryCommandHasHelp) {
  const std::vector<std::vector<std::string>> commands = {{},
                                                          {"keys"},
                                                          {"keys", "new"},
                                                          {"keys", "import"},
                                                          {"keys", "list"},
                                                          {"keys", "show"},
                                                          {"deploy"},
                                                          {"call"},
                                                          {"query"},
                                                          {"tx"},
                                                          {"block"},
                                                          {"events"},
                                                          {"status"},
                                                          {"account"},
                                                          {"contract"},
                                                          {"dev"},
                                                          {"dev", "mine"}};
  for (std::vector<std::string> args : commands) {
    args.push_back("--help");
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.out, "Usage:")) << r.Describe();
  }
  RunResult call = Cli({"call", "--help"});
  for (const char* part : {"ADDRESS", "METHOD", "ARGS", "--from", "--gas",
                           "--timeout", "--async"}) {
    EXPECT_TRUE(Contains(call.out, part)) << part << "\n" << call.out;
  }
  RunResult top = Cli({"--help"});
  for (const char* part : {"--node", "--json", "BALLAST_NODE", "BALLAST_HOME",
                           "deploy", "events", "status"}) {
    EXPECT_TRUE(Contains(top.out, part)) << part << "\n" << top.out;
  }
}

TEST_F(CliWithoutNodeTest, UsageErrorsExit2) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"keys"},
           {"keys", "new"},
           {"call", "0x00", "transfer"},
           {"deploy", "/no/such.wasm"},
           {"call", "a", "b", "{}", "--from", "k", "--gas", "lots"}}) {
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_FALSE(r.err.empty());
  }
  RunResult r = Cli({"call", "0x00", "transfer"});
  EXPECT_TRUE(Contains(r.err, "ballast: --from is required")) << r.err;
}

// CLI11 reads "-1" into an unsigned option as 2^64 - 1; heights and gas
// limits are refused before anything is sent unless they are plain
// integers that fit.
TEST_F(CliWithoutNodeTest, HeightsAndGasAreUnsignedIntegers) {
  for (const std::string bad :
       {"-1", "1e3", "+5", "18446744073709551616", "0x10"}) {
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"query", "0x00", "m", "--height", bad},
             {"proof", "account", "a", "--height", bad},
             {"proof", "storage", "0x00", "00", "--height", bad},
             {"vault", "show", "1", "--height", bad},
             {"reserves", "--height", bad},
             {"auction", "list", "tETH", "--height", bad},
             {"call", "0x00", "m", "--from", "k", "--gas", bad}}) {
      RunResult r = Cli(args);
      EXPECT_EQ(r.exit_code, 2) << args[0] << " " << bad << r.Describe();
      EXPECT_TRUE(Contains(r.err, "must be an integer from 0 to 2^64-1"))
          << args[0] << " " << bad << r.Describe();
    }
  }
  RunResult r = Cli({"query", "0x00", "m", "--height", "18446744073709551615"});
  EXPECT_FALSE(Contains(r.err, "must be an integer")) << r.err;
}

TEST_F(CliWithoutNodeTest, KeysNewListShow) {
  RunResult created = Cli({"keys", "new", "alice"});
  ASSERT_EQ(created.exit_code, 0) << created.Describe();
  std::string address = FieldValue(created.out, "address");
  EXPECT_EQ(address.size(), 42u) << created.out;
  EXPECT_EQ(FieldValue(created.out, "public key").size(), 66u);
  const std::string file = home_ + "/keys/alice.key";
  EXPECT_EQ(FieldValue(created.out, "file"), file);
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((home_ + "/keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  ASSERT_EQ(Cli({"keys", "new", "bob"}).exit_code, 0);
  RunResult list = Cli({"keys", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_TRUE(Contains(list.out, "\nalice  " + address + "  no\nbob    0x"))
      << list.out;

  RunResult shown = Cli({"keys", "show", "alice"});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_EQ(FieldValue(shown.out, "address"), address);

  nlohmann::json doc = CliJson({"keys", "show", "alice"});
  EXPECT_EQ(doc["name"], "alice");
  EXPECT_EQ(doc["address"], address);
  nlohmann::json all = CliJson({"keys", "list"});
  ASSERT_EQ(all["keys"].size(), 2u);
  EXPECT_EQ(all["keys"][1]["name"], "bob");
}

// A key encrypted at rest: the file holds no secret, show and list need no
// passphrase, signing decrypts it, and a wrong passphrase is a clear error.
TEST_F(CliWithoutNodeTest, EncryptedKeys) {
  const EnvChanges right = {{"BALLAST_PASSPHRASE", "correct horse"}};
  const EnvChanges wrong = {{"BALLAST_PASSPHRASE", "battery staple"}};
  RunResult created = Cli({"keys", "new", "alice", "--encrypt"}, "", right);
  ASSERT_EQ(created.exit_code, 0) << created.Describe();
  EXPECT_EQ(FieldValue(created.out, "encrypted"), "yes");
  const std::string address = FieldValue(created.out, "address");
  const std::string file = ReadFileOrEmpty(home_ + "/keys/alice.key");
  EXPECT_FALSE(Contains(file, "secret_key")) << file;
  EXPECT_TRUE(Contains(file, R"("kdf":"argon2id13")")) << file;
  EXPECT_TRUE(Contains(file, R"("cipher":"xsalsa20poly1305")")) << file;

  RunResult shown = Cli({"keys", "show", "alice"});
  ASSERT_EQ(shown.exit_code, 0) << shown.Describe();
  EXPECT_EQ(FieldValue(shown.out, "address"), address);
  EXPECT_EQ(FieldValue(shown.out, "encrypted"), "yes");
  ASSERT_EQ(Cli({"keys", "new", "bob"}).exit_code, 0);
  RunResult list = Cli({"keys", "list"});
  EXPECT_TRUE(Contains(list.out, "alice  " + address + "  yes\nbob"))
      << list.out;

  // Signing needs the secret: the key is decrypted before the node is
  // contacted (it is down here, exit 6), or refused with a wrong passphrase.
  const std::vector<std::string> call = {
      "call",     "0x00112233445566778899aabbccddeeff00112233",
      "transfer", "{}",
      "--from",   "alice"};
  RunResult bad = Cli(call, "", wrong);
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  EXPECT_TRUE(Contains(bad.err,
                       "ballast: call: wrong passphrase for key "
                       "'alice'"))
      << bad.err;
  RunResult good = Cli(call, "", right);
  EXPECT_EQ(good.exit_code, 6) << good.Describe();
  EXPECT_FALSE(Contains(good.err, "passphrase")) << good.err;

  // A seed imported encrypted keeps its address.
  const std::string seed = std::string(64, '6') + "\n";  // 32 bytes 'f'
  RunResult imported = Cli({"keys", "import", "dev", "--encrypt"}, seed, right);
  ASSERT_EQ(imported.exit_code, 0) << imported.Describe();
  RunResult plain = Cli({"keys", "import", "devplain"}, seed);
  ASSERT_EQ(plain.exit_code, 0) << plain.Describe();
  EXPECT_EQ(FieldValue(imported.out, "address"),
            FieldValue(plain.out, "address"));
}

TEST_F(CliWithoutNodeTest, KeysNewRefusesToOverwrite) {
  ASSERT_EQ(Cli({"keys", "new", "alice"}).exit_code, 0);
  std::string before = ReadFileOrEmpty(home_ + "/keys/alice.key");
  RunResult again = Cli({"keys", "new", "alice"});
  EXPECT_EQ(again.exit_code, 5);
  EXPECT_TRUE(again.out.empty()) << again.out;
  EXPECT_TRUE(
      Contains(again.err, "ballast: keys new: key 'alice' already exists"))
      << again.err;
  EXPECT_EQ(ReadFileOrEmpty(home_ + "/keys/alice.key"), before);
}

TEST_F(CliWithoutNodeTest, KeysImportFromStdin) {
  // The seed of 32 'a' bytes, as tests/node's DevKey('a').
  RunResult r = Cli({"keys", "import", "dev"}, std::string(64, '6') + "1\n");
  EXPECT_EQ(r.exit_code, 3) << "odd-length hex must be refused";
  r = Cli({"keys", "import", "dev"},
          "6161616161616161616161616161616161616161616161616161616161616161\n");
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  RunResult again =
      Cli({"keys", "import", "dev2"},
          "0x6161616161616161616161616161616161616161616161616161616161616161");
  ASSERT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_EQ(FieldValue(r.out, "address"), FieldValue(again.out, "address"));
}

TEST_F(CliWithoutNodeTest, MissingKeyIsAClearError) {
  RunResult r = Cli({"keys", "show", "nobody"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(Contains(r.err, "ballast: keys show: no key named 'nobody'"))
      << r.err;
  // call checks the key before it talks to the node (which is down here).
  r = Cli({"call", "0x00112233445566778899aabbccddeeff00112233", "transfer",
           "{}", "--from", "nobody"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(Contains(r.err, "ballast: call: no key named 'nobody'")) << r.err;
}

TEST_F(CliWithoutNodeTest, NodeDownIsAClearError) {
  ASSERT_EQ(Cli({"keys", "new", "alice"}).exit_code, 0);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"status"},
           {"block"},
           {"events"},
           {"query", "0x00112233445566778899aabbccddeeff00112233", "balance_of",
            "{}"},
           {"call", "0x00112233445566778899aabbccddeeff00112233", "transfer",
            "{}", "--from", "alice"}}) {
    RunResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 6) << args[0] << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.err, "ballast: " + args[0] +
                                    ": node: cannot reach http://127.0.0.1:1"))
        << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  // --node overrides BALLAST_NODE, and may come after the command.
  RunResult r = Cli({"status", "--node", "127.0.0.1:2"});
  EXPECT_TRUE(Contains(r.err, "cannot reach http://127.0.0.1:2")) << r.err;
  r = Cli({"status", "--node", "ftp://x"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "is not a node URL")) << r.err;
}

TEST_F(CliWithoutNodeTest, JsonModeReportsErrorsAsOneDocument) {
  RunResult r = Cli({"--json", "status"});
  EXPECT_EQ(r.exit_code, 6);
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.Describe();
  EXPECT_EQ(doc["error"]["code"], "UNAVAILABLE");
  EXPECT_TRUE(Contains(doc["error"]["message"], "cannot reach"));
  EXPECT_TRUE(Contains(r.err, "ballast: status: node: cannot reach")) << r.err;
}

TEST_F(CliWithoutNodeTest, BadArgumentsAreCaughtBeforeTheNode) {
  ASSERT_EQ(Cli({"keys", "new", "alice"}).exit_code, 0);
  RunResult r = Cli({"query", "0x1234", "balance_of", "{}"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: query: '0x1234' is not an address"))
      << r.err;
  r = Cli({"query", "00112233445566778899aabbccddeeff00112233", "balance_of",
           "{\"owner\":"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: query: args: malformed JSON")) << r.err;
  r = Cli({"call", "00112233445566778899aabbccddeeff00112233", "transfer",
           "{to:1}", "--from", "alice"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(Contains(r.err, "ballast: call: args: malformed JSON")) << r.err;
  r = Cli({"tx", "0x12"});
  EXPECT_TRUE(Contains(r.err, "ballast: tx: '0x12' is not a hash")) << r.err;
  r = Cli({"block", "yesterday"});
  EXPECT_TRUE(Contains(r.err, "is not a block")) << r.err;
}

}  // namespace
}  // namespace ballast::test
