#include "tools/cli/output.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>

#include "ledger/base/strings.h"

namespace ballast::cli {
namespace {

std::string Pad(std::string_view s, size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

}  // namespace

Fields& Fields::Add(std::string key, std::string value) {
  rows_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Fields& Fields::AddIfSet(std::string key, std::string value) {
  if (!value.empty()) Add(std::move(key), std::move(value));
  return *this;
}

std::string Fields::Render(size_t indent) const {
  size_t width = 0;
  for (const auto& [key, value] : rows_) width = std::max(width, key.size());
  const std::string margin(indent, ' ');
  const std::string continuation(indent + width + 2, ' ');
  std::string out;
  for (const auto& [key, value] : rows_) {
    std::string line = margin + Pad(key, width) + "  ";
    for (char c : value) {
      line.push_back(c);
      if (c == '\n') line += continuation;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render(size_t indent) const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto render = [&](const std::vector<std::string>& row) {
    std::string line(indent, ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? Pad(row[i], widths[i] + 2) : row[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  std::string out = render(header_);
  for (const auto& row : rows_) out += render(row);
  return out;
}

std::string ReceiptStatusName(std::string_view status) {
  constexpr std::string_view kPrefix = "RECEIPT_STATUS_";
  if (!status.starts_with(kPrefix)) return std::string(status);
  std::string out(status.substr(kPrefix.size()));
  for (char& c : out) {
    c = c == '_'
            ? ' '
            : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string FormatTimeMs(std::string_view ms) {
  if (ms.empty() || ms.size() > 18 ||
      !std::all_of(ms.begin(), ms.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return std::string(ms);
  }
  int64_t v = std::stoll(std::string(ms));
  std::time_t seconds = static_cast<std::time_t>(v / 1000);
  std::tm tm;
  if (gmtime_r(&seconds, &tm) == nullptr) return std::string(ms);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03dZ", static_cast<int>(v % 1000));
  return StrCat(buf, frac);
}

}  // namespace ballast::cli
