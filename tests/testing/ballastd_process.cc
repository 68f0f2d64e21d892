#include "tests/testing/ballastd_process.h"

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "node/api/client.h"
#include "tests/testing/files.h"

namespace ballast::test {

const char* BallastdBinary() { return BALLASTD_BINARY; }

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopGrace = std::chrono::seconds(20);

HttpResult ToResult(const httplib::Result& r) {
  HttpResult out;
  if (!r) return out;
  out.status = r->status;
  out.text = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

}  // namespace

BallastdProcess::BallastdProcess(std::string data_dir,
                                 std::vector<std::string> args)
    : data_dir_(std::move(data_dir)),
      args_(std::move(args)),
      log_path_(data_dir_ + ".log") {}

BallastdProcess::~BallastdProcess() { Kill(); }

std::string BallastdProcess::log() const { return ReadFileOrEmpty(log_path_); }

std::string BallastdProcess::url() const {
  return "http://" + host_ + ":" + std::to_string(port_);
}

bool BallastdProcess::running() { return child_ && child_->Running(); }

bool BallastdProcess::Start() {
  Kill();
  const std::string addr_file = data_dir_ + "/api.addr";
  std::error_code ec;
  std::filesystem::remove(addr_file, ec);  // stale after a kill -9
  const int listen_port = keep_port_ ? port_ : 0;
  std::vector<std::string> argv = {BALLASTD_BINARY, "--data-dir", data_dir_,
                                   "--listen",
                                   "127.0.0.1:" + std::to_string(listen_port)};
  argv.insert(argv.end(), args_.begin(), args_.end());
  child_ = std::make_unique<ChildProcess>(argv, log_path_);
  exit_code_ = -1;
  host_.clear();
  port_ = 0;
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    if (!child_->Running()) {
      exit_code_ = child_->exit_code();
      return false;
    }
    if (port_ == 0) {
      std::string text = ReadFileOrEmpty(addr_file);
      size_t colon = text.rfind(':');
      if (!text.empty() && text.back() == '\n' && colon != std::string::npos) {
        host_ = text.substr(0, colon);
        port_ = std::stoi(text.substr(colon + 1));
      }
    }
    if (port_ != 0) {
      auto health = Client()->Health();
      if (health.ok() && health->ok()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return false;
}

int BallastdProcess::Terminate() {
  if (!child_) return exit_code_;
  exit_code_ = child_->Stop(kStopGrace);
  child_.reset();
  return exit_code_;
}

void BallastdProcess::Kill() {
  if (!child_) return;
  child_->Kill();
  exit_code_ = child_->exit_code();
  child_.reset();
}

std::unique_ptr<api::Client> BallastdProcess::Client() const {
  // url() is always a valid node URL once the port is known.
  return *api::Client::Create(url());
}

HttpResult BallastdProcess::Get(const std::string& path) const {
  httplib::Client client(host_, port_);
  client.set_connection_timeout(5);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(40);
  return ToResult(client.Get(path));
}

HttpResult BallastdProcess::Post(const std::string& path,
                                 const std::string& body,
                                 const std::string& content_type) const {
  httplib::Client client(host_, port_);
  client.set_connection_timeout(5);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(40);
  return ToResult(client.Post(path, body, content_type.c_str()));
}

HttpResult BallastdProcess::Submit(const ledger::SignedTransaction& stx) const {
  return Post("/v1/tx", api::Client::SubmitBody(stx));
}

HttpResult BallastdProcess::SubmitAndWait(
    const ledger::SignedTransaction& stx) const {
  return Post("/v1/tx?wait=true", api::Client::SubmitBody(stx));
}

}  // namespace ballast::test
