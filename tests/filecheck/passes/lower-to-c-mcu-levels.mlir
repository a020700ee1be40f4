// RUN: deeploy-opt %s -p 'tile-layers{target=rv32 l1=64},plan-memory{alignment=8},lower-to-c{network=net target=rv32 l1=64 l2=100000}' -t 'c{file="net.c"}' | filecheck %s
// RUN: deeploy-opt %s -p 'tile-layers{target=generic l1=64},plan-memory{alignment=8},lower-to-c{network=net target=generic l1=64 l2=100000}' -t 'c{file="net.c"}' | filecheck %s --check-prefix=HOST

// On a microcontroller (rv32) the linker bounds the memories: the L1 array goes to its
// own section (.l1, a region of exactly l1 bytes), and the L2 array holds only what L2
// needs (here the 64 bytes of weights; the arena is empty), not all of l2. The host
// emulates every level with an array of exactly its size.

func.func @main(%x: memref<16xf32, #buffer.level<L2>> {graph.name = "in", buffer.io = "input"}, %y: memref<16xf32, #buffer.level<L2>> {graph.name = "out", buffer.io = "output"}) {
  %w = buffer.constant dense<2.0> : tensor<16xf32> {name = "scale"} : memref<16xf32, #buffer.level<L2>>
  buffer.kernel "mul_f32" ins(%x, %w : memref<16xf32, #buffer.level<L2>>, memref<16xf32, #buffer.level<L2>>) outs(%y : memref<16xf32, #buffer.level<L2>>) {params = {}, name = "scale_it", op = "Mul"}
  func.return
}

// CHECK:      static uint8_t net_L1[64] __attribute__((aligned(16))) __attribute__((section(".l1")));
// CHECK-NEXT: static uint8_t net_L2[64] __attribute__((aligned(16)));
// CHECK:      deeploy_mem_add_region(0, "L1", net_L1, 64);
// CHECK-NEXT: deeploy_mem_add_region(1, "L2", net_L2, 64);

// HOST:      static uint8_t net_L1[64] __attribute__((aligned(16)));
// HOST-NEXT: static uint8_t net_L2[100000] __attribute__((aligned(16)));
// HOST:      deeploy_mem_add_region(0, "L1", net_L1, 64);
// HOST-NEXT: deeploy_mem_add_region(1, "L2", net_L2, 100000);
