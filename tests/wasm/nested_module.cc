#include "tests/wasm/nested_module.h"

#include <string_view>

namespace ballast::wasm {
namespace {

std::string Leb(uint64_t v) {
  std::string out;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(v != 0 ? byte | 0x80 : byte));
  } while (v != 0);
  return out;
}

std::string Section(uint8_t id, const std::string& body) {
  return std::string(1, static_cast<char>(id)) + Leb(body.size()) + body;
}

std::string Name(std::string_view s) { return Leb(s.size()) + std::string(s); }

// The contract of ModuleWithBody, with a global section if `globals` (its
// contents) is not empty.
std::string Module(const std::string& body, uint32_t locals,
                   const std::string& globals);

}  // namespace

std::string ModuleWithBody(const std::string& body, uint32_t locals) {
  return Module(body, locals, "");
}

std::string ModuleWithGlobalInit(const std::string& init) {
  // One global: i32, mutable, then its initializer.
  return Module("", 0, Leb(1) + std::string("\x7f\x01", 2) + init + '\x0b');
}

namespace {

std::string Module(const std::string& body, uint32_t locals,
                   const std::string& globals) {
  std::string wasm("\0asm\x01\0\0\0", 8);
  wasm += Section(1, Leb(1) + std::string("\x60\x00\x00", 3));   // () -> ()
  wasm += Section(3, Leb(3) + Leb(0) + Leb(0) + Leb(0));         // 3 functions
  wasm += Section(5, Leb(1) + std::string("\x00", 1) + Leb(1));  // 1 page
  if (!globals.empty()) wasm += Section(6, globals);
  wasm +=
      Section(7, Leb(4) + Name("memory") + '\x02' + Leb(0) +
                     Name("ballast_abi_v1") + '\x00' + Leb(0) + Name("run") +
                     '\x00' + Leb(1) + Name("empty") + '\x00' + Leb(2));
  const std::string marker = Leb(0) + '\x0b';  // no locals; end
  std::string run =
      locals == 0 ? Leb(0) : Leb(1) + Leb(locals) + '\x7f';  // i32 locals
  run += body;
  run += '\x0b';
  wasm += Section(10, Leb(3) + Leb(marker.size()) + marker + Leb(run.size()) +
                          run + Leb(marker.size()) + marker);
  return wasm;
}

}  // namespace

std::string NestedModule(uint32_t depth, Nesting shape) {
  std::string body;
  body.reserve(depth * 5);
  for (uint32_t i = 0; i < depth; ++i) {
    switch (shape == Nesting::kBlocks ? 0 : i % 3) {
      case 0:
        body += "\x02\x40";  // block (empty type)
        break;
      case 1:
        body += "\x03\x40";  // loop
        break;
      default:
        body += std::string("\x41\x00\x04\x40", 4);  // i32.const 0; if
        break;
    }
  }
  body.append(depth, '\x0b');  // end
  return ModuleWithBody(body);
}

}  // namespace ballast::wasm
