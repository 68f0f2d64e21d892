// The reference engine: wabt 1.0.32's interpreter.

#ifndef BALLAST_WASM_WABT_ENGINE_H_
#define BALLAST_WASM_WABT_ENGINE_H_

#include <memory>

#include "wasm/engine.h"

namespace ballast::wasm {

std::unique_ptr<Engine> NewWabtInterpreterEngine();

}  // namespace ballast::wasm

#endif  // BALLAST_WASM_WABT_ENGINE_H_
