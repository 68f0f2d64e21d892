// The reference engine: wabt 1.0.32's interpreter.

#ifndef BALLAST_WASM_WABT_ENGINE_H_
#define BALLAST_WASM_WABT_ENGINE_H_

#include <memory>
#include <optional>
#include <string_view>

#include "wasm/engine.h"
#include "wasm/trap.h"

namespace ballast::wasm {

std::unique_ptr<Engine> NewWabtInterpreterEngine();

// The kind of a trap from its wabt interpreter message, or nullopt for a
// message this wabt version should never produce. The engine reports only
// TrapStatus(kind), never wabt's text (trap.h says why). Exposed for tests.
std::optional<TrapKind> WabtTrapKind(std::string_view message);

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_WABT_ENGINE_H_
