#!/usr/bin/env python3
"""Random valid contract modules for the "prepare" fuzz target's seeds.

binaryen's translate-to-fuzz (wasm-opt -ttf) makes random valid modules, but
they import binaryen's fuzzing-support functions and use floats, so nearly
all are refused at deploy. This generator writes modules within Ballast's
ABI (wasm/host_abi.h): integer-only (i32/i64), "env" imports from the host
function table, an exported memory, the ballast_abi_v1 marker and exported
methods of type [] -> []; bodies nest blocks, loops and ifs, branch
(br, br_if, br_table), call (direct and call_indirect), load and store,
use bulk memory, globals and host calls. Every module passes wat2wasm's
validation; the fuzz target reports how many pass preparation and run.

  gen_modules.py OUT_DIR COUNT [SEED]
"""
import os
import random
import subprocess
import sys
import tempfile

HOST = [  # name, params, result
    ("bl_input_len", [], "i32"),
    ("bl_input_read", ["i32"], None),
    ("bl_output_write", ["i32", "i32"], None),
    ("bl_storage_read", ["i32", "i32", "i32", "i32"], "i32"),
    ("bl_storage_write", ["i32", "i32", "i32", "i32"], None),
    ("bl_storage_remove", ["i32", "i32"], None),
    ("bl_emit_event", ["i32", "i32", "i32", "i32"], None),
    ("bl_caller", ["i32"], None),
    ("bl_block_height", [], "i64"),
    ("bl_block_time", [], "i64"),
    ("bl_sha256", ["i32", "i32", "i32"], None),
    ("bl_gas_left", [], "i64"),
    ("bl_log", ["i32", "i32"], None),
    ("bl_abort", ["i32", "i32"], None),
]
BIN = {"i32": ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_u",
               "shr_s", "rotl", "div_u", "rem_s"],
       "i64": ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_u",
               "rotr", "div_s", "rem_u"]}
CMP = ["eq", "ne", "lt_u", "gt_s", "le_u", "ge_s"]
UN = {"i32": ["clz", "ctz", "popcnt", "eqz"], "i64": ["clz", "popcnt"]}


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.imports = rng.sample(HOST, rng.randint(1, len(HOST)))
        self.nfuncs = rng.randint(1, 6)
        self.sigs = []  # (params, result) per defined function
        for _ in range(self.nfuncs):
            params = [rng.choice(["i32", "i64"]) for _ in range(rng.randint(0, 3))]
            self.sigs.append((params, rng.choice([None, "i32", "i64"])))
        self.globals = [rng.choice(["i32", "i64"]) for _ in range(rng.randint(0, 3))]
        self.pages = rng.randint(1, 3)

    def const(self, t):
        v = self.r.choice([0, 1, 7, 255, 4096, -1, self.r.randint(-2**31, 2**31 - 1)])
        return f"({t}.const {v})"

    def addr(self, depth, locs):
        # Mostly in bounds: masked below the memory size.
        e = self.expr("i32", depth, locs)
        if self.r.random() < 0.9:
            return f"(i32.and {e} (i32.const {self.pages * 65536 - 64}))"
        return e

    def expr(self, t, depth, locs):
        r = self.r
        cands = [l for l, lt in locs if lt == t]
        choice = r.random()
        if depth <= 0 or choice < 0.25:
            if cands and r.random() < 0.6:
                return f"(local.get {r.choice(cands)})"
            return self.const(t)
        d = depth - 1
        if choice < 0.5:
            return f"({t}.{r.choice(BIN[t])} {self.expr(t, d, locs)} {self.expr(t, d, locs)})"
        if choice < 0.58:
            op = r.choice(UN[t])
            if op == "eqz":
                return f"(i32.eqz {self.expr('i32', d, locs)})" if t == "i32" else self.const(t)
            return f"({t}.{op} {self.expr(t, d, locs)})"
        if choice < 0.64 and t == "i32":
            u = r.choice(["i32", "i64"])
            return f"({u}.{r.choice(CMP)} {self.expr(u, d, locs)} {self.expr(u, d, locs)})"
        if choice < 0.68:
            if t == "i32":
                return f"(i32.wrap_i64 {self.expr('i64', d, locs)})"
            return f"(i64.extend_i32_{r.choice('su')} {self.expr('i32', d, locs)})"
        if choice < 0.76:
            op = r.choice(["load", "load8_u", "load16_s"])
            return f"({t}.{op} {self.addr(d, locs)})"
        if choice < 0.8:
            gs = [i for i, gt in enumerate(self.globals) if gt == t]
            if gs:
                return f"(global.get $g{r.choice(gs)})"
        if choice < 0.86:
            fs = [i for i, (p, res) in enumerate(self.sigs) if res == t]
            if fs:
                i = r.choice(fs)
                args = " ".join(self.expr(p, d, locs) for p in self.sigs[i][0])
                if r.random() < 0.5:
                    return f"(call $f{i} {args})"
                return (f"(call_indirect (type $t{i}) {args} "
                        f"(i32.const {r.randint(0, self.nfuncs)}))")
        if choice < 0.9:
            hs = [h for h in self.imports if h[2] == t]
            if hs:
                name, params, _ = r.choice(hs)
                args = " ".join(self.addr(d, locs) for _ in params)
                return f"(call ${name} {args})"
        if choice < 0.95:
            return (f"(select {self.expr(t, d, locs)} {self.expr(t, d, locs)} "
                    f"{self.expr('i32', d, locs)})")
        return f"(if (result {t}) {self.expr('i32', d, locs)} (then {self.expr(t, d, locs)}) (else {self.expr(t, d, locs)}))"

    def stmts(self, n, depth, locs, labels):
        return " ".join(self.stmt(depth, locs, labels) for _ in range(n))

    def stmt(self, depth, locs, labels):
        r = self.r
        c = r.random()
        d = depth - 1
        if depth <= 0 or c < 0.25:
            if locs:
                l, lt = r.choice(locs)
                return f"(local.set {l} {self.expr(lt, 3, locs)})"
            return "(nop)"
        if c < 0.35:
            t = r.choice(["i32", "i64"])
            op = r.choice(["store", "store8", "store16"])
            return f"({t}.{op} {self.addr(2, locs)} {self.expr(t, 2, locs)})"
        if c < 0.45:
            lab = f"$b{len(labels)}"
            return f"(block {lab} {self.stmts(r.randint(1, 3), d, locs, labels + [lab])})"
        if c < 0.53:
            # A loop with a counter local bounded by a small constant; gas
            # stops the rest.
            lab = f"$l{len(labels)}"
            i32s = [l for l, lt in locs if lt == "i32"]
            if not i32s:
                return "(nop)"
            ctr = r.choice(i32s)
            body = self.stmts(r.randint(1, 3), d, locs, labels + [lab])
            return (f"(loop {lab} {body} (local.set {ctr} (i32.add (local.get {ctr}) (i32.const 1))) "
                    f"(br_if {lab} (i32.lt_u (local.get {ctr}) (i32.const {r.randint(1, 50)}))))")
        if c < 0.6:
            return (f"(if {self.expr('i32', 2, locs)} (then {self.stmts(r.randint(1, 2), d, locs, labels)}) "
                    f"(else {self.stmts(r.randint(0, 2), d, locs, labels)}))")
        if c < 0.66 and labels:
            return f"(br_if {r.choice(labels)} {self.expr('i32', 2, locs)})"
        if c < 0.69 and labels:
            ts = " ".join(r.choice(labels) for _ in range(r.randint(1, 4)))
            return f"(br_table {ts} {self.expr('i32', 2, locs)})"
        if c < 0.75:
            gs = [i for i, gt in enumerate(self.globals)]
            if gs:
                i = r.choice(gs)
                return f"(global.set $g{i} {self.expr(self.globals[i], 2, locs)})"
        if c < 0.82:
            hs = [h for h in self.imports if h[2] is None and h[0] != "bl_abort"]
            if hs:
                name, params, _ = r.choice(hs)
                args = " ".join(self.addr(1, locs) if p == "i32" else self.expr(p, 1, locs)
                                for p in params)
                if name in ("bl_output_write", "bl_log", "bl_storage_write",
                            "bl_emit_event", "bl_sha256", "bl_storage_remove"):
                    # lengths small
                    args = " ".join(f"(i32.const {r.randint(0, 64)})" if k % 2 else self.addr(1, locs)
                                    for k in range(len(params)))
                return f"(call ${name} {args})"
        if c < 0.86:
            op = r.choice(["fill", "copy"])
            a, b = self.addr(1, locs), self.addr(1, locs)
            n = f"(i32.const {r.randint(0, 256)})"
            return f"(memory.{op} {a} {b} {n})"
        if c < 0.92:
            fs = list(range(self.nfuncs))
            i = r.choice(fs)
            args = " ".join(self.expr(p, 2, locs) for p in self.sigs[i][0])
            call = f"(call $f{i} {args})"
            return f"(drop {call})" if self.sigs[i][1] else call
        if c < 0.94:
            return "(drop (memory.grow (i32.const 1)))"
        if c < 0.95:
            return "(unreachable)"
        t = r.choice(["i32", "i64"])
        return f"(drop {self.expr(t, 3, locs)})"

    def func(self, i):
        params, res = self.sigs[i]
        nl = self.r.randint(0, 4)
        ltypes = [self.r.choice(["i32", "i64"]) for _ in range(nl)]
        locs = [(str(k), t) for k, t in enumerate(params + ltypes)]
        body = self.stmts(self.r.randint(1, 5), 4, locs, [])
        tail = f" {self.expr(res, 3, locs)}" if res else ""
        ps = "".join(f" (param {p})" for p in params)
        rs = f" (result {res})" if res else ""
        ls = "".join(f" (local {t})" for t in ltypes)
        return f"(func $f{i} (type $t{i}){ps}{rs}{ls} {body}{tail})"

    def module(self):
        out = ["(module"]
        for i, (params, res) in enumerate(self.sigs):
            ps = "".join(f" (param {p})" for p in params)
            rs = f" (result {res})" if res else ""
            out.append(f"(type $t{i} (func{ps}{rs}))")
        for name, params, res in self.imports:
            ps = "".join(f" (param {p})" for p in params)
            rs = f" (result {res})" if res else ""
            out.append(f'(import "env" "{name}" (func ${name}{ps}{rs}))')
        out.append(f'(memory (export "memory") {self.pages})')
        out.append(f'(data (i32.const 0) "ballast fuzz data \\01\\02\\03")')
        for i, t in enumerate(self.globals):
            out.append(f"(global $g{i} (mut {t}) ({t}.const 0))")
        out.append(f"(table {self.nfuncs} funcref)")
        out.append("(elem (i32.const 0) " + " ".join(f"$f{i}" for i in range(self.nfuncs)) + ")")
        out.append('(func (export "ballast_abi_v1"))')
        for i in range(self.nfuncs):
            out.append(self.func(i))
        # Methods: [] -> [] wrappers around each defined function.
        for i, (params, res) in enumerate(self.sigs):
            args = " ".join(self.const(p) for p in params)
            call = f"(call $f{i} {args})"
            out.append(f'(func (export "m{i}") {"(drop " + call + ")" if res else call})')
        if self.r.random() < 0.3:
            out.append('(func (export "init"))')
        out.append(")")
        return "\n".join(out)


def main():
    out_dir, count = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(seed)
    made = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(count):
            wat = Gen(rng).module()
            src = os.path.join(tmp, "m.wat")
            with open(src, "w") as f:
                f.write(wat)
            dst = os.path.join(out_dir, f"gen-{seed}-{n:04d}.wasm")
            r = subprocess.run(["wat2wasm", src, "-o", dst],
                               capture_output=True, text=True)
            if r.returncode != 0:
                sys.stderr.write(f"gen_modules: wat2wasm refused module {n}:\n{r.stderr}\n")
                continue
            made += 1
    print(f"gen_modules: {made} of {count} modules in {out_dir}")


if __name__ == "__main__":
    main()
