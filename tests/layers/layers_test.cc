// The layer map is the README's "Layers" table; this test reads every
// #include and proto import of the tree and fails on any edge the table does
// not allow. It also shows, on made-up files, that it catches each kind of
// forbidden edge, so a broken checker cannot pass silently.

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/files.h"

namespace ballast::layers {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Top-level folders whose paths are project paths in an #include.
const std::set<std::string>& ProjectDirs() {
  static const auto* dirs = new std::set<std::string>{
      "ledger", "wasm", "node", "bridge", "tools", "tests", "contracts"};
  return *dirs;
}

struct LayerMap {
  // path prefix -> layer name
  std::map<std::string, std::string> prefixes;
  // layer -> layers it may include ("*" = any)
  std::map<std::string, std::set<std::string>> allowed;
  // third-party header prefix -> layers that may include it
  std::map<std::string, std::set<std::string>> external;

  // The layer of a project path: its longest matching prefix; "" if none.
  std::string LayerOf(const std::string& path) const {
    std::string best, layer;
    for (const auto& [prefix, name] : prefixes) {
      if (path.starts_with(prefix) && prefix.size() > best.size()) {
        best = prefix;
        layer = name;
      }
    }
    return layer;
  }
};

std::vector<std::string> Words(const std::string& cell) {
  std::vector<std::string> out;
  std::istringstream in(cell);
  std::string w;
  while (in >> w) {
    if (w.size() >= 2 && w.front() == '`' && w.back() == '`') {
      w = w.substr(1, w.size() - 2);
    }
    out.push_back(w);
  }
  return out;
}

// Rows of the markdown table between <!-- NAME:begin --> and
// <!-- NAME:end -->, header and separator dropped, cells trimmed.
std::vector<std::vector<std::string>> TableRows(const std::string& readme,
                                                const std::string& name) {
  std::vector<std::vector<std::string>> rows;
  size_t begin = readme.find("<!-- " + name + ":begin -->");
  size_t end = readme.find("<!-- " + name + ":end -->");
  if (begin == std::string::npos || end == std::string::npos) return rows;
  std::istringstream in(readme.substr(begin, end - begin));
  std::string line;
  int seen = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') continue;
    if (seen++ < 2) continue;  // header, separator
    std::vector<std::string> cells;
    std::string cell;
    for (size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '|') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    rows.push_back(cells);
  }
  return rows;
}

LayerMap ParseLayerMap(const std::string& readme) {
  LayerMap map;
  for (const auto& row : TableRows(readme, "layers")) {
    if (row.size() < 3) continue;
    std::string layer = Words(row[0]).empty() ? "" : Words(row[0])[0];
    for (const std::string& prefix : Words(row[1])) {
      map.prefixes[prefix] = layer;
    }
    std::set<std::string> allowed{layer};
    for (const std::string& w : Words(row[2])) allowed.insert(w);
    map.allowed[layer] = allowed;
  }
  for (const auto& row : TableRows(readme, "external")) {
    if (row.size() < 2 || Words(row[0]).empty()) continue;
    auto layers = Words(row[1]);
    map.external[Words(row[0])[0]] =
        std::set<std::string>(layers.begin(), layers.end());
  }
  return map;
}

// One forbidden edge: "FILE: includes PATH (layer A may not include B)".
std::vector<std::string> CheckFile(const LayerMap& map, const std::string& path,
                                   const std::string& text) {
  std::vector<std::string> violations;
  const std::string from = map.LayerOf(path);
  if (from.empty()) {
    violations.push_back(path + ": belongs to no layer of the README's map");
    return violations;
  }
  const std::set<std::string>& allowed = map.allowed.at(from);
  static const std::regex kInclude(R"(^\s*#\s*include\s*([<"])([^">]+)[">])");
  static const std::regex kImport(R"(^\s*import\s+(?:public\s+)?"([^"]+)\")");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    std::string target;
    bool angled = false;
    if (std::regex_search(line, m, kInclude)) {
      angled = m[1] == "<";
      target = m[2];
    } else if (path.ends_with(".proto") &&
               std::regex_search(line, m, kImport)) {
      target = m[1];
    } else {
      continue;
    }
    // The longest matching prefix decides (boost/multiprecision/ is not
    // boost/).
    std::string rule;
    for (const auto& [prefix, layers] : map.external) {
      if (target.starts_with(prefix) && prefix.size() > rule.size()) {
        rule = prefix;
      }
    }
    if (!rule.empty() && !map.external.at(rule).contains(from) &&
        !allowed.contains("*")) {
      violations.push_back(path + ": includes " + target + " (only " + rule +
                           " users may; layer " + from + " is not one)");
    }
    if (angled) continue;
    const std::string top = target.substr(0, target.find('/'));
    if (!ProjectDirs().contains(top)) continue;  // relative to the file
    const std::string to = map.LayerOf(target);
    if (to.empty()) {
      violations.push_back(path + ": includes " + target +
                           ", which belongs to no layer");
    } else if (!allowed.contains(to) && !allowed.contains("*")) {
      violations.push_back(path + ": includes " + target + " (layer " + from +
                           " may not include layer " + to + ")");
    }
  }
  return violations;
}

const LayerMap& Map() {
  static const LayerMap* map = new LayerMap(ParseLayerMap(
      test::ReadFileOrDie(std::string(BALLAST_SOURCE_DIR) + "/README.md")));
  return *map;
}

TEST(LayersTest, TheReadmeHasALayerMap) {
  EXPECT_EQ(Map().LayerOf("ledger/base/bytes.h"), "base");
  EXPECT_EQ(Map().LayerOf("ledger/store.h"), "ledger");
  EXPECT_EQ(Map().LayerOf("ledger/ballast.pb.h"), "model");
  EXPECT_EQ(Map().LayerOf("node/api/client.h"), "api");
  EXPECT_EQ(Map().LayerOf("node/executor.h"), "node");
  EXPECT_TRUE(Map().external.contains("leveldb/"));
}

TEST(LayersTest, EveryIncludeOfTheTreeIsAllowed) {
  const fs::path root(BALLAST_SOURCE_DIR);
  std::vector<std::string> violations;
  size_t files = 0;
  for (const std::string& top : ProjectDirs()) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() ||
          (ext != ".h" && ext != ".cc" && ext != ".proto")) {
        continue;
      }
      const std::string rel = fs::relative(entry.path(), root).string();
      ++files;
      for (std::string& v :
           CheckFile(Map(), rel, test::ReadFileOrDie(entry.path()))) {
        violations.push_back(std::move(v));
      }
    }
  }
  EXPECT_GT(files, 100u);
  EXPECT_THAT(violations, IsEmpty());
}

TEST(LayersTest, ForbiddenEdgesAreCaught) {
  // The CLI reaching into the store, the runtime reaching into the ledger,
  // the ledger reaching up into the runtime.
  EXPECT_THAT(CheckFile(Map(), "tools/cli/x.cc", "#include \"ledger/store.h\""),
              ::testing::ElementsAre(
                  HasSubstr("layer client may not include layer ledger")));
  EXPECT_THAT(CheckFile(Map(), "wasm/x.cc", "#include \"node/executor.h\""),
              ::testing::ElementsAre(
                  HasSubstr("layer wasm may not include layer node")));
  EXPECT_THAT(CheckFile(Map(), "ledger/x.h", "  #  include \"wasm/runtime.h\""),
              ::testing::ElementsAre(
                  HasSubstr("layer ledger may not include layer wasm")));
  // A contract including host code.
  EXPECT_THAT(CheckFile(Map(), "contracts/token/x.cc",
                        "#include \"ledger/base/bytes.h\""),
              ::testing::ElementsAre(
                  HasSubstr("layer contracts may not include layer base")));
  // Third-party headers owned by one layer.
  EXPECT_THAT(CheckFile(Map(), "tools/cli/x.cc", "#include <leveldb/db.h>"),
              ::testing::ElementsAre(HasSubstr("only leveldb/ users may")));
  EXPECT_THAT(CheckFile(Map(), "node/api/x.cc", "#include \"wabt/ir.h\""),
              ::testing::ElementsAre(HasSubstr("only wabt/ users may")));
  // The longest prefix decides: the client may do exact arithmetic with
  // Boost.Multiprecision, not serve HTTP with Beast.
  EXPECT_THAT(CheckFile(Map(), "tools/simulate/x.cc",
                        "#include <boost/multiprecision/cpp_int.hpp>"),
              ::testing::IsEmpty());
  EXPECT_THAT(CheckFile(Map(), "tools/simulate/x.cc",
                        "#include <boost/beast/http.hpp>"),
              ::testing::ElementsAre(HasSubstr("only boost/ users may")));
  // Proto imports count too.
  EXPECT_THAT(
      CheckFile(Map(), "ledger/x.proto", "import \"node/api/a.proto\";"),
      ::testing::ElementsAre(
          HasSubstr("layer ledger may not include layer api")));
  // Allowed edges, relative includes and tests pass.
  EXPECT_THAT(
      CheckFile(Map(), "node/x.cc",
                "#include \"ledger/store.h\"\n#include \"wasm/runtime.h\""),
      IsEmpty());
  EXPECT_THAT(CheckFile(Map(), "contracts/token/x.cc",
                        "#include \"ballast/contract.h\""),
              IsEmpty());
  EXPECT_THAT(CheckFile(Map(), "tests/x.cc", "#include \"node/node.h\""),
              IsEmpty());
  EXPECT_THAT(CheckFile(Map(), "docs/x.cc", ""),
              ::testing::ElementsAre(HasSubstr("belongs to no layer")));
}

// A function named *ForTesting (PrepareModuleWithFloatsForTesting: floating
// point allowed, for the engines' differential tests) is called from tests/
// only; outside it, only the file pair that defines it names it.
TEST(LayersTest, ForTestingFunctionsAreCalledFromTestsOnly) {
  const fs::path root(BALLAST_SOURCE_DIR);
  const std::regex for_testing(R"re(\b(\w+ForTesting)\s*\()re");
  std::vector<std::string> violations;
  size_t names = 0;
  for (const std::string& top : ProjectDirs()) {
    if (top == "tests" || !fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
      const std::string text = test::ReadFileOrDie(entry.path());
      for (std::sregex_iterator it(text.begin(), text.end(), for_testing), end;
           it != end; ++it) {
        ++names;
        // Declared in x.h and defined in x.cc: each names it, and so does
        // the other half of its pair. Any other file calls it.
        fs::path other = entry.path();
        other.replace_extension(ext == ".h" ? ".cc" : ".h");
        if (!fs::exists(other) || test::ReadFileOrDie(other).find(
                                      (*it)[1].str()) == std::string::npos) {
          violations.push_back(fs::relative(entry.path(), root).string() +
                               " names " + (*it)[1].str());
        }
      }
    }
  }
  EXPECT_GT(names, 0u);
  EXPECT_THAT(violations, IsEmpty());
}

}  // namespace
}  // namespace ballast::layers
