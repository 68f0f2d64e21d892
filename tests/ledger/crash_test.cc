// A real crash test: a writer process commits blocks to a store on disk and
// is killed with SIGKILL at a random moment; the reopened store must hold
// every acknowledged block, whole, and nothing of a partial one.
//
// The writer is this test binary re-executed with --ledger_crash_writer=DIR
// (see ledger_test_main.cc), so it starts with a fresh LevelDB environment
// rather than a fork of this one. It writes one byte to stdout after each
// commit returns; the parent counts them as acknowledgements.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/hashing.h"
#include "ledger/store.h"
#include "leveldb/helpers/memenv.h"
#include "tests/ledger/test_util.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace ballast::ledger::testing {
namespace {

constexpr uint64_t kMaxWriterBlocks = 100000;

// Block h: 1 + h % 3 transactions each emitting an event, "count" = h, a
// 16 KiB value under "k<h>", the sender's nonce = h. Deterministic in the
// chain so far, so a replay rebuilds identical blocks.
BlockCommit CrashBlock(const ChainBuilder& chain) {
  const uint64_t h = chain.next_height();
  StateChanges ch = h == 1 ? DeployChanges(Addr('c'), 'x') : StateChanges();
  ch.storage[{Addr('c'), "count"}] = absl::StrCat(h);
  ch.storage[{Addr('c'), absl::StrCat("k", h)}] =
      std::string(16 << 10, static_cast<char>('a' + h % 26));
  ch.accounts[Addr('u')].set_nonce(h);
  std::vector<TxSpec> txs(1 + h % 3,
                          TxSpec{.method = "tick", .events = {{'c', "Tick"}}});
  return chain.Build(ch, txs);
}

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return std::string(buf, n);
}

// Reads from `fd` until `want` bytes arrived (or EOF if want < 0); returns
// the number read.
int64_t ReadAcks(int fd, int64_t want) {
  int64_t got = 0;
  char buf[256];
  while (want < 0 || got < want) {
    size_t cap =
        want < 0 ? sizeof(buf) : std::min<int64_t>(sizeof(buf), want - got);
    ssize_t n = read(fd, buf, cap);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  return got;
}

TEST(CrashTest, KilledWriterLeavesACommittedHead) {
  const std::string exe = SelfExe();
  ASSERT_FALSE(exe.empty());
  const ::ballast::test::TempDir tmp("ballast-ledger");
  const std::string dir = tmp.path();
  const uint64_t seed = std::random_device()();
  std::mt19937_64 rng(seed);
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE(absl::StrCat("seed ", seed, ", dir ", dir));

  // The reference: the same chain replayed in memory.
  std::unique_ptr<leveldb::Env> mem(
      leveldb::NewMemEnv(leveldb::Env::Default()));
  StoreOptions mem_options;
  mem_options.env = mem.get();
  mem_options.sync = false;
  auto reference = Store::Open("/reference", mem_options);
  ASSERT_TRUE(reference.ok()) << reference.status();
  ChainBuilder ref_chain;

  uint64_t durable = 0;  // every block up to here was acknowledged
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    std::string arg = "--ledger_crash_writer=" + dir;
    char* argv[] = {const_cast<char*>(exe.c_str()), arg.data(), nullptr};
    pid_t pid = -1;
    ASSERT_EQ(posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv, environ),
              0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);

    // Let it commit a random number of blocks, then kill it mid-flight.
    const int64_t want = 1 + static_cast<int64_t>(rng() % 40);
    int64_t acked = ReadAcks(fds[0], want);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
    kill(pid, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    acked += ReadAcks(fds[0], -1);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "writer exited early with status " << wstatus;
    ASSERT_GE(acked, want);

    auto store = Store::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    auto head = (*store)->GetHead();
    ASSERT_TRUE(head.ok() && head->has_value()) << head.status();
    const uint64_t top = (*head)->height;
    // Durability: every acknowledged commit survived.
    EXPECT_GE(top, durable + static_cast<uint64_t>(acked));

    // Replay the reference up to the head: blocks are byte-identical.
    while (ref_chain.next_height() <= top) {
      BlockCommit c = CrashBlock(ref_chain);
      ASSERT_TRUE((*reference)->CommitBlock(c).ok());
      ref_chain.Accept(c);
    }
    for (uint64_t h = durable + 1; h <= top; ++h) {
      SCOPED_TRACE(absl::StrCat("block ", h));
      auto got = (*store)->GetBlockByHeight(h);
      auto want_block = (*reference)->GetBlockByHeight(h);
      ASSERT_TRUE(got.ok() && got->has_value());
      EXPECT_EQ(SerializeDeterministic(**got),
                SerializeDeterministic(**want_block));
      for (const SignedTransaction& stx : (*got)->txs()) {
        auto rec = (*store)->GetTransaction(TxHash(stx));
        auto want_rec = (*reference)->GetTransaction(TxHash(stx));
        ASSERT_TRUE(rec.ok() && rec->has_value());
        EXPECT_EQ(SerializeDeterministic(**rec),
                  SerializeDeterministic(**want_rec));
      }
      EXPECT_EQ(
          (*store)->QueryEvents({.from_height = h, .to_height = h})->size(),
          1 + h % 3);
    }
    // State is exactly that after the head: nothing of head + 1.
    EXPECT_EQ(*(*store)->StateDigest(), *(*reference)->StateDigest());
    EXPECT_EQ((**head).hash,
              BlockHash((*(*reference)->GetBlockByHeight(top))->header()));
    BlockCommit next = CrashBlock(ref_chain);
    EXPECT_EQ(*(*store)->GetBlockByHeight(top + 1), std::nullopt);
    for (const SignedTransaction& stx : next.block.txs()) {
      EXPECT_EQ(*(*store)->GetTransaction(TxHash(stx)), std::nullopt);
    }
    EXPECT_TRUE((*store)->QueryEvents({.from_height = top + 1})->empty());
    EXPECT_EQ(*(*store)->GetStorage(Addr('c'), absl::StrCat("k", top + 1)),
              std::nullopt);
    durable = top;
  }
}

}  // namespace

int RunCrashWriter(const std::string& dir) {
  signal(SIGPIPE, SIG_DFL);  // the parent gone: die
  auto store = Store::Open(dir);
  if (!store.ok()) {
    fprintf(stderr, "crash writer: %s\n", store.status().ToString().c_str());
    return 2;
  }
  ChainBuilder chain = ChainBuilder::FromStore(**store);
  for (uint64_t i = 0; i < kMaxWriterBlocks; ++i) {
    BlockCommit c = CrashBlock(chain);
    absl::Status s = (*store)->CommitBlock(c);
    if (!s.ok()) {
      fprintf(stderr, "crash writer: %s\n", s.ToString().c_str());
      return 3;
    }
    chain.Accept(c);
    if (write(STDOUT_FILENO, "+", 1) != 1) return 4;
  }
  return 0;
}

}  // namespace ballast::ledger::testing
