// RUN: deeploy-opt %s -p 'set-target{target=rv32 l1=8000}' | filecheck %s
// RUN: deeploy-opt %s -p 'set-target{target=rv32 l1=8000 home=L3 double-buffer=true},set-target{l2=65536}' | filecheck %s --check-prefix=CHANGE
// RUN: deeploy-opt %s -p 'set-target{target=rv32 l1=8000},set-target{l1=0}' | filecheck %s --check-prefix=UNTILED
// RUN: deeploy-opt %s -p 'set-target' | filecheck %s --check-prefix=DEFAULT
// RUN: not deeploy-opt %s -p 'set-target{home=L3}' 2>&1 | filecheck %s --check-prefix=NO-L1
// RUN: not deeploy-opt %s -p 'set-target{l1=8000 home=L9}' 2>&1 | filecheck %s --check-prefix=BAD-HOME

// The hardware goes on the module; every pass reads it from there.
builtin.module {
  func.func @net(%x: tensor<4xf32>) -> tensor<4xf32> {
    func.return %x : tensor<4xf32>
  }
}

// CHECK: builtin.module attributes {deeploy.target = #target.spec<"rv32", levels = [L1 8000, L2 1024000, L3 8388608], compute = L1, home = L2, alignment = 8, tile_alignment = 4, double_buffer = false, fuse_layers = true, profile_layers = false>}

// options not given keep the module's values
// CHANGE: #target.spec<"rv32", levels = [L1 8000, L2 65536, L3 8388608], compute = L1, home = L3, alignment = 8, tile_alignment = 4, double_buffer = true,

// l1=0: untiled, kernels work in the home level
// UNTILED: #target.spec<"rv32", levels = [L1 0, L2 1024000, L3 8388608], compute = L2, home = L2,

// DEFAULT: #target.spec<"generic", levels = [L1 0, L2 0, L3 0], compute = L2, home = L2, alignment = 16,

// NO-L1: deeploy-opt: error: set-target: option home is for a tiled hierarchy: give l1 too
// BAD-HOME: deeploy-opt: error: set-target: option home 'L9': target generic has the levels L1, L2, L3
