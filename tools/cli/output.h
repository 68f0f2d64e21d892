// Human-readable rendering for the CLI: aligned "key  value" blocks and
// column tables, status names and times.
//
// Everything here is pure string building (no I/O); thread-safe.

#ifndef BALLAST_TOOLS_CLI_OUTPUT_H_
#define BALLAST_TOOLS_CLI_OUTPUT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/base/bytes.h"

namespace ballast::cli {

// Raw bytes (an address, a key, a hash) as the CLI shows them: "0x" + hex.
inline std::string Hex0x(std::string_view raw) { return "0x" + ToHex(raw); }

// Lines of "key   value", keys padded to the widest key:
//   contract   0x3f...
//   gas used   81234
// A value with newlines continues under its first line's column.
class Fields {
 public:
  Fields& Add(std::string key, std::string value);
  // Adds `value` only if it is not empty.
  Fields& AddIfSet(std::string key, std::string value);
  std::string Render(size_t indent = 0) const;

 private:
  std::vector<std::pair<std::string, std::string>> rows_;
};

// A table with a header row; columns are padded to their widest cell, the
// last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> cells);
  size_t size() const { return rows_.size(); }
  std::string Render(size_t indent = 0) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "RECEIPT_STATUS_OUT_OF_GAS" -> "out of gas"; other strings unchanged.
std::string ReceiptStatusName(std::string_view status);

// "1700000000123" (ms since the epoch) -> "2023-11-14T22:13:20.123Z";
// anything unparsable is returned unchanged.
std::string FormatTimeMs(std::string_view ms);

}  // namespace ballast::cli

#endif  // BALLAST_TOOLS_CLI_OUTPUT_H_
