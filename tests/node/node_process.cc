#include "tests/node/node_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"
#include "node/api/client.h"

namespace ballast::node {
namespace {

using ::ballast::api::Client;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpResult ToResult(const httplib::Result& r) {
  HttpResult out;
  if (!r) return out;
  out.status = r->status;
  out.text = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

}  // namespace

TempDir::TempDir() {
  std::string templ = ::testing::TempDir() + "ballastd-test-XXXXXX";
  char* made = mkdtemp(templ.data());
  EXPECT_NE(made, nullptr);
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

NodeProcess::NodeProcess(std::string data_dir, std::vector<std::string> args)
    : data_dir_(std::move(data_dir)),
      args_(std::move(args)),
      log_path_(data_dir_ + ".log") {}

NodeProcess::~NodeProcess() {
  if (running()) Kill();
}

std::string NodeProcess::log() const { return ReadAll(log_path_); }

bool NodeProcess::Start() {
  std::string addr_file = data_dir_ + "/api.addr";
  std::error_code ec;
  std::filesystem::remove(addr_file, ec);  // stale after a kill -9
  std::vector<std::string> argv_s = {BALLASTD_BINARY, "--data-dir", data_dir_,
                                     "--listen", "127.0.0.1:0"};
  argv_s.insert(argv_s.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = ::open(log_path_.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return false;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return false;
  pid_ = pid;
  exit_code_ = -1;
  // Bounded wait for the address file (or an early exit).
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return false;
    }
    std::string text = ReadAll(addr_file);
    size_t colon = text.rfind(':');
    if (!text.empty() && text.back() == '\n' && colon != std::string::npos) {
      host_ = text.substr(0, colon);
      port_ = std::stoi(text.substr(colon + 1));
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return false;
}

bool NodeProcess::Reap(int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += 5) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || r < 0) {
      exit_code_ = r == pid_ && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

int NodeProcess::Terminate() {
  if (!running()) return exit_code_;
  ::kill(pid_, SIGTERM);
  if (Reap(20'000)) return exit_code_;
  Kill();
  return -1;
}

void NodeProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = -1;
}

HttpResult NodeProcess::Get(const std::string& path) const {
  httplib::Client client(host_, port_);
  client.set_connection_timeout(5);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(40);
  return ToResult(client.Get(path));
}

HttpResult NodeProcess::Post(const std::string& path, const std::string& body,
                             const std::string& content_type) const {
  httplib::Client client(host_, port_);
  client.set_connection_timeout(5);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(40);
  return ToResult(client.Post(path, body, content_type.c_str()));
}

HttpResult NodeProcess::SubmitAndWait(
    const ledger::SignedTransaction& stx) const {
  return Post("/v1/tx?wait=true", Client::SubmitBody(stx));
}

HttpResult NodeProcess::Submit(const ledger::SignedTransaction& stx) const {
  return Post("/v1/tx", Client::SubmitBody(stx));
}

}  // namespace ballast::node
