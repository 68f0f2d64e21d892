// The CLI's keystore: file modes, round trips, refusals.

#include "tools/cli/keystore.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "ledger/base/bytes.h"
#include "tests/testing/files.h"
#include "tests/testing/temp_dir.h"

namespace ballast::cli {
namespace {

using ::ballast::test::ReadFileOrEmpty;

int ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class KeystoreTest : public ::testing::Test {
 protected:
  KeystoreTest() : keys_(root_ + "/home/.ballast/keys") {}

  test::TempDir tmp_{"keystore"};
  std::string root_ = tmp_.path();
  Keystore keys_;
};

TEST_F(KeystoreTest, NewKeyIsMode0600InDirectories0700) {
  ::umask(022);
  auto key = keys_.Create("alice");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(ModeOf(keys_.PathOf("alice")), 0600);
  EXPECT_EQ(ModeOf(keys_.dir()), 0700);
  EXPECT_EQ(ModeOf(root_ + "/home/.ballast"), 0700);
  EXPECT_EQ(keys_.PathOf("alice"), keys_.dir() + "/alice.key");
}

TEST_F(KeystoreTest, LoadReturnsTheCreatedKey) {
  auto created = keys_.Create("alice");
  ASSERT_TRUE(created.ok()) << created.status();
  auto loaded = keys_.Load("alice");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->name, "alice");
  EXPECT_EQ(loaded->key.secret_key, created->key.secret_key);
  EXPECT_EQ(loaded->key.public_key, created->key.public_key);
  EXPECT_EQ(loaded->address, AddressFromPublicKey(created->key.public_key));
  // The key signs: what it signs verifies under its public key.
  std::string sig = Sign(loaded->key, "message");
  EXPECT_TRUE(Verify(created->key.public_key, "message", sig));
}

TEST_F(KeystoreTest, FileHoldsTheSecretAndItsDerivedIdentity) {
  KeyPair dev = *KeyPairFromSeed(std::string(32, 'a'));
  ASSERT_TRUE(keys_.Import("dev", dev).ok());
  std::string file = ReadFileOrEmpty(keys_.PathOf("dev"));
  EXPECT_NE(file.find("\"type\":\"ed25519\""), std::string::npos) << file;
  EXPECT_NE(file.find("0x" + ToHex(dev.secret_key)), std::string::npos);
  EXPECT_NE(file.find("0x" + ToHex(AddressFromPublicKey(dev.public_key))),
            std::string::npos);
}

TEST_F(KeystoreTest, RefusesToOverwrite) {
  auto first = keys_.Create("alice");
  ASSERT_TRUE(first.ok());
  std::string before = ReadFileOrEmpty(keys_.PathOf("alice"));
  auto second = keys_.Create("alice");
  EXPECT_TRUE(absl::IsAlreadyExists(second.status())) << second.status();
  EXPECT_NE(second.status().message().find("'alice' already exists"),
            std::string::npos)
      << second.status();
  auto imported = keys_.Import("alice", *KeyPairFromSeed(std::string(32, 'x')));
  EXPECT_TRUE(absl::IsAlreadyExists(imported.status()));
  EXPECT_EQ(ReadFileOrEmpty(keys_.PathOf("alice")), before);
  // No temporary files are left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(keys_.dir())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(KeystoreTest, MissingKeyIsNotFoundAndSaysHowToCreateIt) {
  auto key = keys_.Load("nobody");
  EXPECT_TRUE(absl::IsNotFound(key.status())) << key.status();
  EXPECT_NE(key.status().message().find("no key named 'nobody'"),
            std::string::npos);
  EXPECT_NE(key.status().message().find("ballast keys new nobody"),
            std::string::npos);
}

TEST_F(KeystoreTest, RefusesBadNames) {
  for (const char* name :
       {"", ".hidden", "a/b", "../x", "sp ace", "é", "x\n"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(keys_.Create(name).status())) << name;
    EXPECT_TRUE(absl::IsInvalidArgument(keys_.Load(name).status())) << name;
  }
  EXPECT_TRUE(
      absl::IsInvalidArgument(keys_.Create(std::string(65, 'a')).status()));
  EXPECT_TRUE(keys_.Create(std::string(64, 'a')).ok());
  EXPECT_TRUE(keys_.Create("Dev-key_1.backup").ok());
}

TEST_F(KeystoreTest, ListIsSortedAndEmptyWithoutDirectory) {
  auto none = keys_.List();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  for (const char* name : {"carol", "alice", "bob"}) {
    ASSERT_TRUE(keys_.Create(name).ok());
  }
  // Files that are not keys are ignored.
  std::ofstream(keys_.dir() + "/notes.txt") << "hello";
  auto all = keys_.List();
  ASSERT_TRUE(all.ok()) << all.status();
  std::string names;
  for (const StoredKey& k : *all) names += k.name + " ";
  EXPECT_EQ(names, "alice bob carol ");
}

TEST_F(KeystoreTest, RefusesAKeyFileOthersCanRead) {
  ASSERT_TRUE(keys_.Create("alice").ok());
  ASSERT_EQ(::chmod(keys_.PathOf("alice").c_str(), 0644), 0);
  auto key = keys_.Load("alice");
  EXPECT_TRUE(absl::IsFailedPrecondition(key.status())) << key.status();
  EXPECT_NE(key.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(KeystoreTest, CorruptFileIsDataLoss) {
  ASSERT_TRUE(keys_.Create("alice").ok());
  const std::string path = keys_.PathOf("alice");
  for (const char* contents :
       {"", "not json", "{\"type\":\"rsa\"}",
        "{\"type\":\"ed25519\",\"secret_key\":\"0x1234\"}"}) {
    std::ofstream(path, std::ios::trunc) << contents;
    auto key = keys_.Load("alice");
    EXPECT_TRUE(absl::IsDataLoss(key.status()))
        << contents << ": " << key.status();
  }
  // A public key that does not belong to the secret is caught.
  KeyPair a = *KeyPairFromSeed(std::string(32, 'a'));
  KeyPair b = *KeyPairFromSeed(std::string(32, 'b'));
  std::ofstream(path, std::ios::trunc)
      << "{\"type\":\"ed25519\",\"secret_key\":\"0x" << ToHex(a.secret_key)
      << "\",\"public_key\":\"0x" << ToHex(b.public_key) << "\"}";
  EXPECT_TRUE(absl::IsDataLoss(keys_.Load("alice").status()));
}

// Encrypted at rest: the passphrase decrypts it, a wrong one is refused,
// nothing secret is in the file, and a hostile file cannot make Load spend
// unbounded memory.
TEST_F(KeystoreTest, EncryptedKeyRoundTripsOnlyWithItsPassphrase) {
  std::string passphrase = "correct horse";
  int asked = 0;
  Keystore keys(keys_.dir(),
                [&](std::string_view prompt,
                    bool confirm) -> absl::StatusOr<std::string> {
                  ++asked;
                  EXPECT_NE(prompt.find("'alice'"), std::string_view::npos)
                      << prompt;
                  return passphrase;
                });
  KeyPair dev = *KeyPairFromSeed(std::string(32, 'a'));
  auto stored = keys.Import("alice", dev, /*encrypt=*/true);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->encrypted);
  EXPECT_EQ(asked, 1);
  const std::string path = keys.PathOf("alice");
  EXPECT_EQ(ModeOf(path), 0600);
  const std::string file = ReadFileOrEmpty(path);
  EXPECT_EQ(file.find("secret_key"), std::string::npos) << file;
  EXPECT_EQ(file.find(ToHex(dev.secret_key.substr(0, 32))), std::string::npos);

  // Reading the public part asks nothing.
  auto shown = keys.LoadPublic("alice");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->key.public_key, dev.public_key);
  EXPECT_TRUE(shown->key.secret_key.empty());
  ASSERT_TRUE(keys.List().ok());
  EXPECT_EQ(asked, 1);

  auto loaded = keys.Load("alice");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->key.secret_key, dev.secret_key);
  EXPECT_TRUE(loaded->encrypted);

  passphrase = "battery staple";
  auto wrong = keys.Load("alice");
  EXPECT_TRUE(absl::IsInvalidArgument(wrong.status())) << wrong.status();
  EXPECT_EQ(wrong.status().message(),
            "wrong passphrase for key 'alice' (" + path + " is encrypted)");

  // Without a way to ask, an encrypted key cannot be used.
  auto unasked = keys_.Load("alice");
  EXPECT_TRUE(absl::IsFailedPrecondition(unasked.status())) << unasked.status();

  // A file asking for more than the sensitive limits is corrupt, not run.
  std::string hostile = file;
  const std::string mem = "\"memlimit\":268435456";
  ASSERT_NE(hostile.find(mem), std::string::npos) << hostile;
  hostile.replace(hostile.find(mem), mem.size(), "\"memlimit\":1099511627776");
  std::ofstream(path, std::ios::trunc) << hostile;
  auto refused = keys.Load("alice");
  EXPECT_TRUE(absl::IsDataLoss(refused.status())) << refused.status();
}

TEST_F(KeystoreTest, EncryptingNeedsANonEmptyPassphrase) {
  Keystore keys(keys_.dir(), [](std::string_view, bool) {
    return absl::StatusOr<std::string>("");
  });
  auto created = keys.Create("alice", /*encrypt=*/true);
  EXPECT_TRUE(absl::IsInvalidArgument(created.status())) << created.status();
  EXPECT_FALSE(std::filesystem::exists(keys.PathOf("alice")));
}

TEST_F(KeystoreTest, ImportedSeedKeepsItsAddress) {
  KeyPair dev = *KeyPairFromSeed(std::string(32, 'a'));
  auto stored = keys_.Import("dev", dev);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto loaded = keys_.Load("dev");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->address, AddressFromPublicKey(dev.public_key));
}

TEST(KeystoreDefaultDir, UsesBallastHomeThenHome) {
  const char* old_ballast = std::getenv("BALLAST_HOME");
  const char* old_home = std::getenv("HOME");
  std::string saved_ballast = old_ballast ? old_ballast : "";
  std::string saved_home = old_home ? old_home : "";
  ::setenv("BALLAST_HOME", "/tmp/bh", 1);
  EXPECT_EQ(Keystore::DefaultDir(), "/tmp/bh/keys");
  ::setenv("BALLAST_HOME", "", 1);
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(Keystore::DefaultDir(), "/home/someone/.ballast/keys");
  ::unsetenv("BALLAST_HOME");
  EXPECT_EQ(Keystore::DefaultDir(), "/home/someone/.ballast/keys");
  if (old_ballast) ::setenv("BALLAST_HOME", saved_ballast.c_str(), 1);
  if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace ballast::cli
